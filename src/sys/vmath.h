/* Private: a deterministic exponential that vectorises (docs/speed.md, "Closed forms in SIMD lanes").

   glibc's exp is a scalar call (about 50 instructions with its wrapper) that the compiler cannot put
   in SIMD lanes without -ffast-math, and libmvec's vector variants round differently from the scalar
   one and from each other (SSE2, AVX2, AVX-512), so a result would depend on the machine and on which
   lanes a value shares.  PnlmeExpInline is written in plain IEEE operations (no fused multiply-add:
   the library is compiled with -ffp-contract=off): the scalar code, every vector width and every
   machine give the same bits for the same argument.
     x = k ln2 + r, |r| <= ln2/2   (k = nearest integer to x/ln2, Cody-Waite split of ln2)
     e^r by its Taylor polynomial of degree 13 (truncation below 4e-18 relative), Estrin's scheme
     e^x = (e^r 2^(k-1)) 2         (2^(k-1) built in the exponent bits; normal for every k used)
   Accuracy: within 2 ulp of the correctly rounded value for x in [-707, 709.78] (tests/sys
   test-vmath checks 10^6 arguments); 0 below -707 (the true value is under 1e-307), +inf above
   709.78, NaN for NaN. */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include <string.h>

/* Functions whose loops run in SIMD lanes get an AVX2 clone besides the baseline x86-64 (SSE2) one,
   chosen at load time: the same operations in the same order, so the same bits either way. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PNLME_NO_CLONES)
  #define PNLME_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
  #define PNLME_SIMD_CLONES
#endif

static inline PetscReal PnlmeExpInline(PetscReal x)
{
  const double log2e = 1.4426950408889634, shift = 6755399441055744.0; /* 1.5 * 2^52 */
  const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
  double       xc = x < -707.0 ? -707.0 : x, kd, r, p, s, y;
  uint64_t     ki, si;
  xc = xc > 710.0 ? 710.0 : xc; /* NaN passes both tests unchanged */
  kd = xc * log2e + shift;      /* k in the low bits of kd */
  memcpy(&ki, &kd, sizeof(ki));
  kd = kd - shift;
  r  = (xc - kd * ln2hi) - kd * ln2lo;
  { /* Estrin's scheme: a short dependency chain for scalar use, the same work in vector lanes */
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double a0 = 1.0 + r, a1 = 0.5 + r * (1.0 / 6.0), a2 = 1.0 / 24.0 + r * (1.0 / 120.0), a3 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    const double a4 = 1.0 / 40320.0 + r * (1.0 / 362880.0), a5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    const double a6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    const double b0 = a0 + a1 * r2, b1 = a2 + a3 * r2, b2 = a4 + a5 * r2;
    p = (b0 + b1 * r4) + (b2 + a6 * r4) * r8;
  }
  si = (ki + 1022) << 52; /* 2^(k-1): the low bits of ki hold k (two's complement) */
  memcpy(&s, &si, sizeof(s));
  y = (p * s) * 2.0;
  y = x < -707.0 ? 0.0 : y;
  return x > 709.782712893384 ? (PetscReal)INFINITY : y;
}
