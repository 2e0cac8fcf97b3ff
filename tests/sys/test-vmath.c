/* The deterministic exponential and logarithm (src/sys/vmath.h): within 2 ulp of libm's over their
   ranges, the same bits in SIMD lanes (PnlmeExpv, PnlmeLogv: every tail length and alignment) as in
   scalar code, and the edge values.  The deterministic power of model files (pnlme_det_pow,
   src/sys/detmath.h): within its stated distance of libm's pow, and C's pow's special values. */
#include <pnlmetest.h>
#include "sys/detmath.h"
#include <float.h>
#include <math.h>
#include <string.h>

static int64_t Ulps(double a, double b)
{
  int64_t  ia, ib;
  uint64_t d;
  memcpy(&ia, &a, sizeof(ia));
  memcpy(&ib, &b, sizeof(ib));
  ia = ia < 0 ? INT64_MIN - ia : ia; /* negative values below the positive ones, -0 on +0: the */
  ib = ib < 0 ? INT64_MIN - ib : ib; /* distance in representable doubles whatever the signs */
  d  = ia > ib ? (uint64_t)ia - (uint64_t)ib : (uint64_t)ib - (uint64_t)ia;
  return d > INT64_MAX ? INT64_MAX : (int64_t)d;
}

static PetscBool Same(double a, double b) { return memcmp(&a, &b, sizeof(a)) ? PETSC_FALSE : PETSC_TRUE; }

typedef double (*ScalarFn)(double);
typedef void (*VectorFn)(PetscInt, const PetscReal[], PetscReal[]);

/* f against libm's ref over x[N]: at most maxulp apart (the largest distance printed); its vector form
   fv equal to f bit for bit for every tail length 0..19 at two alignments and on all of x (y: work) */
static PetscErrorCode CheckFunction(const char name[], ScalarFn f, ScalarFn ref, VectorFn fv, const PetscReal x[], PetscReal y[], PetscInt N, int64_t maxulp)
{
  int64_t  worst = 0;
  double   wx    = 0;
  PetscInt ndiff = 0;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < N; i++) {
    int64_t d = Ulps(f(x[i]), ref(x[i]));
    if (d > worst) {
      worst = d;
      wx    = x[i];
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "largest distance of %s to libm: %lld ulp (x = %.17g)\n", name, (long long)worst, wx));
  PNLME_TEST_CHECK(worst <= maxulp, "%s within %d ulp of libm", name, (int)maxulp);
  for (PetscInt off = 0; off < 2; off++)
    for (PetscInt n = 0; n <= 19; n++) {
      PetscBool same = PETSC_TRUE;
      fv(n, x + 1000 + off, y + off);
      for (PetscInt i = 0; i < n; i++) same = same && Same(f(x[1000 + off + i]), y[off + i]);
      PNLME_TEST_CHECK(same, "%s in vector lanes equals the scalar bits (n %d, offset %d)", name, (int)n, (int)off);
    }
  fv(N, x, y);
  for (PetscInt i = 0; i < N; i++) ndiff += !Same(f(x[i]), y[i]);
  PNLME_TEST_CHECK(ndiff == 0, "%s in vector lanes equals the scalar bits on all %d arguments (%d differ)", name, (int)N, (int)ndiff);
  PetscFunctionReturn(0);
}

/* the logarithm: 10^6 arguments over all the positive doubles, the special values */
static PetscErrorCode RunLog(PetscReal *x, PetscReal *y, PetscInt N)
{
  const double specials[] = {0.0, -0.0, 1.0, 2.0, 0.5, INFINITY, -INFINITY, NAN, -NAN, -1.0, -DBL_TRUE_MIN,
                             DBL_TRUE_MIN, DBL_MIN, DBL_MAX, 1.0 + DBL_EPSILON, 1.0 - DBL_EPSILON / 2};
  const PetscInt ns         = (PetscInt)(sizeof(specials) / sizeof(specials[0]));
  double         ys[sizeof(specials) / sizeof(specials[0])];
  PetscFunctionBegin;
  for (PetscInt i = 0; i < N; i++) {
    double u = (i + 0.5) / N, v = fmod(i * 0.6180339887498949, 1.0); /* v: the mantissa, a Weyl sequence */
    switch (i % 6) {
    case 0: /* all binades, subnormals to DBL_MAX */
      x[i] = ldexp(1.0 + v, -1074 + (int)(u * 2098.0));
      break;
    case 1:
      x[i] = 0.5 + 1.5 * v;
      break;
    case 2: /* near 1: 1 +- 1e-16 to 1 +- 0.1, through 1 +- 1e-10 */
      x[i] = 1.0 + (i % 12 == 2 ? 1.0 : -1.0) * pow(10.0, -16.0 + 15.0 * u);
      break;
    case 3: /* subnormals */
      x[i] = ldexp(1.0 + v, -1074 + (int)(u * 52.0));
      break;
    case 4: /* huge and tiny */
      x[i] = pow(10.0, (i % 12 == 4 ? 1.0 : -1.0) * (250.0 + 58.0 * u));
      break;
    default: /* around sqrt(1/2) and sqrt(2), where m changes binade */
      x[i] = (i % 12 == 5 ? M_SQRT2 : M_SQRT1_2) * (1.0 + 1e-6 * (v - 0.5));
    }
  }
  PetscCall(CheckFunction("PnlmeLog", PnlmeLog, log, PnlmeLogv, x, y, N, 2));
  { /* the special values in vector lanes too */
    PetscBool same = PETSC_TRUE;
    PnlmeLogv(ns, specials, ys);
    for (PetscInt i = 0; i < ns; i++) same = same && Same(PnlmeLog(specials[i]), ys[i]);
    PNLME_TEST_CHECK(same, "PnlmeLogv equals PnlmeLog on the special values");
  }
  PNLME_TEST_CHECK(Same(PnlmeLog(1.0), 0.0), "log 1 = +0 exactly");
  PNLME_TEST_CHECK(Ulps(PnlmeLog(2.0), M_LN2) <= 1 && Ulps(PnlmeLog(M_E), 1.0) <= 1, "log 2, log e within 1 ulp");
  PNLME_TEST_CHECK(PnlmeLog(0.0) == -INFINITY && PnlmeLog(-0.0) == -INFINITY, "log +-0 = -inf");
  PNLME_TEST_CHECK(isnan(PnlmeLog(-1.0)) && isnan(PnlmeLog(-DBL_TRUE_MIN)) && isnan(PnlmeLog(-INFINITY)), "log of a negative is NaN");
  PNLME_TEST_CHECK(isnan(PnlmeLog(NAN)), "NaN gives NaN");
  PNLME_TEST_CHECK(PnlmeLog(INFINITY) == INFINITY, "log +inf = +inf");
  PNLME_TEST_CHECK(Ulps(PnlmeLog(DBL_MAX), log(DBL_MAX)) <= 2 && Ulps(PnlmeLog(DBL_MIN), log(DBL_MIN)) <= 2, "log DBL_MAX, DBL_MIN accurate");
  {
    const double sub = 0x1.fffffffffffffp-1023; /* the largest subnormal */
    PNLME_TEST_CHECK(Ulps(PnlmeLog(DBL_TRUE_MIN), log(DBL_TRUE_MIN)) <= 2 && Ulps(PnlmeLog(sub), log(sub)) <= 2, "log of subnormals accurate");
  }
  PetscFunctionReturn(0);
}

/* pnlme_det_pow against libm's pow: integer exponents |b| <= 8 within |b| + 1 ulp (a^2 exactly), other
   exponents within 2 |b log a| + 4 ulp, over a in [1e-6, 1e6] (and negative a with integer b), and the
   special values */
static PetscErrorCode RunPow(void)
{
  int64_t worst[2] = {0, 0};
  double  wa[2] = {0, 0}, wb[2] = {0, 0};
  PetscFunctionBegin;
  for (PetscInt i = 0; i < 200000; i++) {
    const double u = (i + 0.5) / 200000, a = exp(-13.8 + 27.6 * u) * (i % 7 == 0 ? -1 : 1);
    for (int j = 0; j < 24; j++) {
      const double b   = j < 17 ? (double)(j - 8) : -6.0 + 12.0 * ((double)((i * 31 + j * 17) % 1000) + 0.5) / 1000.0;
      const int    isi = j < 17;
      double       y, ref, tol;
      if (a < 0 && !isi) continue;
      y   = pnlme_det_pow(a, b);
      ref = pow(a, b);
      tol = isi ? fabs(b) + 1 : 2 * fabs(b * log(fabs(a))) + 4;
      if (b == 2) PNLME_TEST_CHECK(y == a * a, "pow(%g, 2) is a a exactly", a);
      if ((double)Ulps(y, ref) > tol) PNLME_TEST_CHECK(0, "pow(%.17g, %.17g) = %.17g, libm %.17g: %lld ulp apart (at most %g)", a, b, y, ref, (long long)Ulps(y, ref), tol);
      if (Ulps(y, ref) > worst[isi ? 0 : 1]) {
        worst[isi ? 0 : 1] = Ulps(y, ref);
        wa[isi ? 0 : 1]    = a;
        wb[isi ? 0 : 1]    = b;
      }
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "pnlme_det_pow: integer exponents at most %lld ulp from libm (pow(%g, %g)), others at most %lld ulp (pow(%g, %g)), within their bounds\n", (long long)worst[0], wa[0], wb[0], (long long)worst[1], wa[1], wb[1]));
  PNLME_TEST_CHECK(pnlme_det_pow(0.0, 2.0) == 0.0 && pnlme_det_pow(0.0, 1.5) == 0.0 && isinf(pnlme_det_pow(0.0, -1.0)) && isinf(pnlme_det_pow(0.0, -1.5)), "0^b: 0 for b > 0, inf for b < 0");
  PNLME_TEST_CHECK(signbit(pnlme_det_pow(-0.0, 3.0)) && pnlme_det_pow(-2.0, 3.0) == -8.0 && pnlme_det_pow(-2.0, -2.0) == 0.25, "a negative base keeps its sign under an odd integer exponent");
  PNLME_TEST_CHECK(isnan(pnlme_det_pow(-2.0, 0.5)) && isnan(pnlme_det_pow(NAN, 1.5)) && isnan(pnlme_det_pow(2.0, NAN)), "NaN for a negative base with a non-integer exponent, and from NaN");
  PNLME_TEST_CHECK(pnlme_det_pow(NAN, 0.0) == 1.0 && pnlme_det_pow(1.0, NAN) == 1.0 && pnlme_det_pow(7.0, 0.0) == 1.0 && pnlme_det_pow(3.0, 1.0) == 3.0, "b = 0 or a = 1: 1; b = 1: a");
  PNLME_TEST_CHECK(isinf(pnlme_det_pow(INFINITY, 1.5)) && pnlme_det_pow(INFINITY, -1.5) == 0.0 && pnlme_det_pow(1e300, 40.0) == INFINITY, "overflow to inf, inf^-b = 0");
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const PetscInt N = 1000000;
  PetscReal     *x, *y;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(N + 8, &x, N + 8, &y));
  for (PetscInt i = 0; i < N; i++) { /* uniform over [-707, 709.78] and dense near 0, the closed forms' range */
    double u = (i + 0.5) / N;
    x[i] = i % 2 ? -707.0 + u * (709.78 + 707.0) : -40.0 * u * u * (i % 4 == 0 ? 1 : -0.25);
  }
  PetscCall(CheckFunction("PnlmeExp", PnlmeExp, exp, PnlmeExpv, x, y, N, 2));
  PNLME_TEST_CHECK(PnlmeExp(0.0) == 1.0, "e^0 = 1 exactly");
  PNLME_TEST_CHECK(Ulps(PnlmeExp(1.0), M_E) <= 1, "e^1 within 1 ulp of M_E");
  PNLME_TEST_CHECK(PnlmeExp(-800.0) == 0.0 && PnlmeExp(-INFINITY) == 0.0, "0 below -707");
  PNLME_TEST_CHECK(PnlmeExp(-707.0) > 0.0 && Ulps(PnlmeExp(-707.0), exp(-707.0)) <= 2, "e^-707 normal and accurate");
  PNLME_TEST_CHECK(isinf(PnlmeExp(710.0)) && isinf(PnlmeExp(INFINITY)), "+inf above 709.78");
  PNLME_TEST_CHECK(isfinite(PnlmeExp(709.78)) && Ulps(PnlmeExp(709.78), exp(709.78)) <= 2, "e^709.78 finite and accurate");
  PNLME_TEST_CHECK(isnan(PnlmeExp(NAN)), "NaN gives NaN");
  PetscCall(RunLog(x, y, N));
  PetscCall(RunPow());
  PetscCall(PetscFree2(x, y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "deterministic exponential, logarithm and power test", Run); }
