/* Private: what the library's SIMD code and the code generated from a model file share, in plain C11
   with no pnlme or PETSc header: the clones of a function with SIMD loops, and the deterministic
   exponential and logarithm of src/sys/vmath.h (PnlmeExpInline, PnlmeLogInline; their description and
   accuracy there).  The library includes it through vmath.h, and the generated code carries its text
   (src/model/lang/codegen.c, embedded at build time), so that both compute the same bits and the
   generated right-hand side vectorises.  Compile with -ffp-contract=off. */
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Functions whose loops run in SIMD lanes get an AVX2 clone besides the baseline x86-64 (SSE2) one,
   chosen at load time: the same operations in the same order, so the same bits either way. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PNLME_NO_CLONES)
  #define PNLME_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
  #define PNLME_SIMD_CLONES
#endif
/* always inlined: a function whose call would keep its caller's SIMD loop scalar, or a loop's body
   compiled again for a constant trip count (the SIMD lanes' usual width) */
#if defined(__GNUC__)
  #define PNLME_DET_ALWAYS_INLINE __attribute__((always_inline))
#else
  #define PNLME_DET_ALWAYS_INLINE
#endif

static inline double pnlme_det_exp(double x)
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
  return x > 709.782712893384 ? (double)INFINITY : y;
}

static inline double pnlme_det_log(double x)
{
  const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
  const double two52 = 4503599627370496.0; /* 2^52 */
  const double xs    = x < 0x1p-1022 ? x * 0x1p54 : x; /* subnormals by 2^54 (0, negatives: replaced at the end) */
  double       m, f, hfsq, s, z, R, kd, y;
  uint64_t     u, ke;
  memcpy(&u, &xs, sizeof(u));
  /* + 2^52 - (mantissa bits of sqrt(1/2)): the exponent field becomes k + 1023 with m in [sqrt(1/2), sqrt(2)) */
  u  = u + UINT64_C(0x00095f619980c433);
  ke = (u >> 52) | UINT64_C(0x4330000000000000); /* 2^52 + (k + 1023): k + 1023 in the mantissa bits */
  memcpy(&kd, &ke, sizeof(kd));
  kd = (kd - (two52 + 1023.0)) - (x < 0x1p-1022 ? 54.0 : 0.0);
  u  = (u & UINT64_C(0x000fffffffffffff)) + UINT64_C(0x3fe6a09e667f3bcd); /* m = x 2^-k */
  memcpy(&m, &u, sizeof(m));
  f    = m - 1.0; /* exact (Sterbenz) */
  hfsq = 0.5 * f * f;
  s    = f / (2.0 + f);
  z    = s * s;
  { /* Estrin's scheme, as in PnlmeExpInline */
    const double z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    const double a0 = 2.0 / 3.0 + z * (2.0 / 5.0), a1 = 2.0 / 7.0 + z * (2.0 / 9.0), a2 = 2.0 / 11.0 + z * (2.0 / 13.0);
    const double a3 = 2.0 / 15.0 + z * (2.0 / 17.0), a4 = 2.0 / 19.0 + z * (2.0 / 21.0);
    const double b0 = a0 + a1 * z2, b1 = a2 + a3 * z2;
    R = z * ((b0 + b1 * z4) + a4 * z8);
  }
  y = kd * ln2hi - ((hfsq - (s * (hfsq + R) + kd * ln2lo)) - f);
  y = x == (double)INFINITY ? x : y;
  return x > 0.0 ? y : (x == 0.0 ? -(double)INFINITY : (double)NAN); /* NaN fails both tests */
}

/* a^b for the code generated from a model file (`^`, `pow`): plain IEEE operations that vectorise, the
   same bits in every lane.  An integer exponent with |b| <= 8 by repeated squaring (a a is libm's a^2
   exactly; a^n within about |n| + 1 ulp, 1 / a^|n| for a negative n; a negative or zero a keeps its
   sign), otherwise e^(b log a) for a > 0, within about 2 |b log a| + 4 ulp of libm's pow (a Hill
   exponent on a ratio near 1: a few ulp), NaN for a < 0; b = 0 or a = 1 give 1 (also for NaN), a = 0
   gives 0 for b > 0 and inf for b < 0, as C's pow. */
/* always inlined (a call keeps the caller's SIMD loop scalar), with comparisons of doubles only (no int
   flags): GCC vectorises the callers' loops */
static inline PNLME_DET_ALWAYS_INLINE double pnlme_det_pow(double a, double b)
{
  const double two52 = 4503599627370496.0; /* 2^52: (bi + 2^52) - 2^52 rounds bi to an integer */
  const double bi = b < 0 ? -b : b, bn = (bi + two52) - two52;
  const double a2 = a * a, a4 = a2 * a2, a8 = a4 * a4;
  double       m = (bi <= 8.0 && bn == bi) ? bi : -1.0, r, g; /* the integer exponent's size, else -1 */
  r = m >= 8.0 ? a8 : 1.0; /* a^m: the product of the a^(2^k) of m's bits, the highest first */
  m = m >= 8.0 ? m - 8.0 : m;
  r = m >= 4.0 ? r * a4 : r;
  m = m >= 4.0 ? m - 4.0 : m;
  r = m >= 2.0 ? r * a2 : r;
  m = m >= 2.0 ? m - 2.0 : m;
  r = m >= 1.0 ? r * a : r;
  r = b < 0 ? 1.0 / r : r;
  g = pnlme_det_exp(b * pnlme_det_log(a)); /* a < 0: log is NaN */
  g = (bi <= 8.0 && bn == bi) ? r : g;
  return (b == 0.0 || a == 1.0) ? 1.0 : g;
}
