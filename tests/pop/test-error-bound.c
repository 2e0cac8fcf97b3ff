/* The early rejection's bound (PnlmeErrorOps.logliksup, deficit; docs/saem.md) of every registered error
   model that has one, on a grid of parameters a, b, observations y and predictions f (near y, far from
   it, of the other sign, tiny, huge): one observation's term of loglik never exceeds logliksup, its
   deficit is logliksup less the term (+inf where the term is -inf or NaN), the deficit of several
   observations (another output's skipped) is the sum of theirs, and the bound is attained or
   nearly (its gap to the largest term found on a fine grid of f is printed; at most 1e-6 for the
   models whose bound is exact: constant, exponential, proportional). */
#include <pnlmetest.h>
#include <pnlmepop.h>
#include <string.h>

static PetscErrorCode TestModel(const char name[])
{
  const PnlmeErrorOps *ops;
  const PetscReal      avals[] = {0.05, 0.5, 3.0}, bvals[] = {0.02, 0.1, 0.6}, yvals[] = {-20.0, -0.3, 0.0, 1e-3, 0.7, 5.0, 400.0};
  const PetscInt       out = 0;
  PetscReal            worst = 0;
  PetscInt             nchecked = 0;
  PetscFunctionBegin;
  PetscCall(PnlmeErrorModelFind(name, &ops));
  if (!ops->logliksup || !ops->deficit) {
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-14s no bound (its observations never stop a solve)\n", name));
    PetscFunctionReturn(0);
  }
  for (int ia = 0; ia < 3; ia++)
    for (int ib = 0; ib < 3; ib++)
      for (int iy = 0; iy < 7; iy++) {
        const PetscReal a = avals[ia], b = bvals[ib], y = yvals[iy], U = ops->logliksup(a, b, y);
        PetscReal       best = PETSC_NINFINITY;
        if (ops->logscale && !(y > 0)) continue;
        PNLME_TEST_CHECK(!PetscIsNanReal(U), "%s: logliksup(%g, %g, %g) is NaN", name, a, b, y);
        for (int i = -4000; i <= 4000; i++) { /* f = y (1 + t) and a few far and odd values */
          const PetscReal t = i / 1000.0, scale = PetscMax(PetscAbsReal(y), 1e-3);
          const PetscReal f = i == -4000 ? -1e6 : (i == 4000 ? 1e6 : (i == 3999 ? 1e-300 : y + scale * t * PetscAbsReal(t)));
          const PetscReal term = ops->loglik(a, b, 1, &y, &f, &out, 0, NULL), d = ops->deficit(a, b, 1, &y, &f, &out, 0, NULL);
          if (!(term > PETSC_NINFINITY)) { /* -inf or NaN */
            PNLME_TEST_CHECK(isinf(d) && d > 0, "%s: a = %g, b = %g, y = %g, f = %g: the term is %g, the deficit %g", name, a, b, y, f, term, d);
            continue;
          }
          PNLME_TEST_CHECK(term <= U + 1e-12 * (1 + PetscAbsReal(U)), "%s: a = %g, b = %g, y = %g, f = %g: term %.17g above the bound %.17g", name, a, b, y, f, term, U);
          if (isinf(U)) { /* no bound for this y (proportional error at y = 0): the deficits never stop */
            PNLME_TEST_CHECK(isinf(d) && d > 0, "%s: a = %g, b = %g, y = %g, f = %g: no bound, but a deficit %g", name, a, b, y, f, d);
            continue;
          }
          PNLME_TEST_CHECK(PetscAbsReal(d - (U - term)) <= 1e-9 * (1 + PetscAbsReal(U) + PetscAbsReal(term)), "%s: a = %g, b = %g, y = %g, f = %g: deficit %.17g, bound less term %.17g", name, a, b, y, f, d, U - term);
          best = PetscMax(best, term);
          nchecked++;
        }
        if (U < PETSC_INFINITY && best > PETSC_NINFINITY) worst = PetscMax(worst, U - best);
        if (!isinf(U)) { /* several observations at once: the sum of theirs, another output's skipped */
          const PetscReal fs[3] = {y + 0.1, y - 0.3 * PetscAbsReal(y), y * 2 + 1}, ys[3] = {y, y, y};
          const PetscInt  outs[3] = {0, 1, 0};
          PetscReal       sum = 0, d3 = ops->deficit(a, b, 3, ys, fs, outs, 0, NULL);
          for (int j = 0; j < 3; j += 2) sum += ops->deficit(a, b, 1, &ys[j], &fs[j], &out, 0, NULL);
          if (!isinf(sum)) PNLME_TEST_CHECK(PetscAbsReal(d3 - sum) <= 1e-12 * (1 + sum), "%s: a = %g, b = %g, y = %g: deficit of two observations %.17g, their sum %.17g", name, a, b, y, d3, sum);
        }
      }
  if (!strcmp(name, PNLME_ERROR_CONSTANT) || !strcmp(name, PNLME_ERROR_EXPONENTIAL) || !strcmp(name, PNLME_ERROR_PROPORTIONAL))
    PNLME_TEST_CHECK(worst <= 1e-6, "%s: the bound is %g above the largest term found", name, worst);
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-14s %" PetscInt_FMT " terms at or below the bound, deficits consistent; largest gap of the bound %.3g\n", name, nchecked, worst));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const char *const names[] = {PNLME_ERROR_CONSTANT, PNLME_ERROR_PROPORTIONAL, PNLME_ERROR_COMBINED1, PNLME_ERROR_COMBINED2, PNLME_ERROR_EXPONENTIAL};
  PetscFunctionBegin;
  for (int k = 0; k < 5; k++) PetscCall(TestModel(names[k]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "error-model bounds OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "the early rejection's bound of the error models", Run); }
