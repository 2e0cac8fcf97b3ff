/* The deterministic exponential (src/sys/vmath.h): within 2 ulp of libm's over its range, the same
   bits in SIMD lanes (PnlmeExpv, every tail length and alignment) as in scalar code, and the edge
   values. */
#include <pnlmetest.h>
#include <math.h>
#include <string.h>

static int64_t Ulps(double a, double b)
{
  int64_t ia, ib;
  memcpy(&ia, &a, sizeof(ia));
  memcpy(&ib, &b, sizeof(ib));
  return ia > ib ? ia - ib : ib - ia; /* both positive: the distance in representable doubles */
}

static PetscErrorCode Run(void)
{
  const PetscInt N = 1000000;
  PetscReal     *x, *y;
  int64_t        worst = 0;
  double         wx    = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc2(N + 8, &x, N + 8, &y));
  for (PetscInt i = 0; i < N; i++) { /* uniform over [-707, 709.78] and dense near 0, the closed forms' range */
    double u = (i + 0.5) / N;
    x[i] = i % 2 ? -707.0 + u * (709.78 + 707.0) : -40.0 * u * u * (i % 4 == 0 ? 1 : -0.25);
  }
  for (PetscInt i = 0; i < N; i++) {
    int64_t d = Ulps(PnlmeExp(x[i]), exp(x[i]));
    if (d > worst) {
      worst = d;
      wx    = x[i];
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "largest distance to libm exp: %lld ulp (x = %.17g)\n", (long long)worst, wx));
  PNLME_TEST_CHECK(worst <= 2, "PnlmeExp within 2 ulp of libm");
  /* vector lanes: every tail length and two alignments give the scalar bits */
  for (PetscInt off = 0; off < 2; off++)
    for (PetscInt n = 0; n <= 19; n++) {
      PetscBool same = PETSC_TRUE;
      PnlmeExpv(n, x + 1000 + off, y + off);
      for (PetscInt i = 0; i < n; i++) {
        double s = PnlmeExp(x[1000 + off + i]);
        if (memcmp(&s, &y[off + i], sizeof(s))) same = PETSC_FALSE;
      }
      PNLME_TEST_CHECK(same, "PnlmeExpv equals PnlmeExp bit for bit (n %d, offset %d)", (int)n, (int)off);
    }
  PnlmeExpv(N, x, y);
  {
    PetscInt ndiff = 0;
    for (PetscInt i = 0; i < N; i++) {
      double s = PnlmeExp(x[i]);
      if (memcmp(&s, &y[i], sizeof(s))) ndiff++;
    }
    PNLME_TEST_CHECK(ndiff == 0, "PnlmeExpv equals PnlmeExp on all %d arguments (%d differ)", (int)N, (int)ndiff);
  }
  PNLME_TEST_CHECK(PnlmeExp(0.0) == 1.0, "e^0 = 1 exactly");
  PNLME_TEST_CHECK(Ulps(PnlmeExp(1.0), M_E) <= 1, "e^1 within 1 ulp of M_E");
  PNLME_TEST_CHECK(PnlmeExp(-800.0) == 0.0 && PnlmeExp(-INFINITY) == 0.0, "0 below -707");
  PNLME_TEST_CHECK(PnlmeExp(-707.0) > 0.0 && Ulps(PnlmeExp(-707.0), exp(-707.0)) <= 2, "e^-707 normal and accurate");
  PNLME_TEST_CHECK(isinf(PnlmeExp(710.0)) && isinf(PnlmeExp(INFINITY)), "+inf above 709.78");
  PNLME_TEST_CHECK(isfinite(PnlmeExp(709.78)) && Ulps(PnlmeExp(709.78), exp(709.78)) <= 2, "e^709.78 finite and accurate");
  PNLME_TEST_CHECK(isnan(PnlmeExp(NAN)), "NaN gives NaN");
  PetscCall(PetscFree2(x, y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "deterministic exponential test", Run); }
