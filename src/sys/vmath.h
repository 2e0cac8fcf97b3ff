/* Private: a deterministic exponential and logarithm that vectorise (docs/speed.md, "Parameter sets
   in SIMD lanes").

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
   709.78, NaN for NaN.

   PnlmeLogInline, the natural logarithm, is written the same way (plain IEEE operations, the bits
   handled through memcpy, every branch a select):
     x = 2^k m, m in [sqrt(1/2), sqrt(2))   (subnormal x scaled by 2^54 first; k and m from the bits,
                                            k as a double by the 2^52 trick: no integer conversion)
     f = m - 1 (exact), s = f/(2 + f), z = s^2 <= 0.0295: log m = 2 atanh s = f - f^2/2 + s (f^2/2 + R)
     R = 2 z/3 + 2 z^2/5 + ... + 2 z^10/21, the Taylor series of (2 atanh s - 2 s)/s (truncation
       below 7e-19 relative to log m), Estrin's scheme
     log x = k ln2hi - ((f^2/2 - (s (f^2/2 + R) + k ln2lo)) - f)   (the Cody-Waite split of ln2 above)
   Accuracy: within 2 ulp of libm's log (1 measured) for every positive normal and subnormal x
   (tests/sys test-vmath checks 10^6 arguments from 5e-324 to 1.8e308; log 1 = +0 exactly); -inf
   for +-0, NaN for negative x and NaN, +inf for +inf. */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include <string.h>

#include "sys/detmath.h"

static inline PetscReal PnlmeExpInline(PetscReal x) { return pnlme_det_exp(x); }
static inline PetscReal PnlmeLogInline(PetscReal x) { return pnlme_det_log(x); }
/* n rounded up to whole vectors of 4 doubles (the AVX2 clones' width, a multiple of SSE2's): a SIMD loop
   over a short array padded to it (with harmless values) runs no scalar remainder */
static inline PetscInt PnlmeVecPad(PetscInt n) { return (n + 3) & ~(PetscInt)3; }
