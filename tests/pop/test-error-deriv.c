/* The derivatives of each error model's residual SD g(a, b, f) that the Newton M-step of the models
   without closed form uses (PnlmeErrorOps.gderiv, gderiv2; src/fit/em/errorfit.c): on a grid of a, b
   and f (of both signs, tiny, large), dg/da and dg/db agree with central differences of g, and the
   second derivatives with central differences of dg/da and dg/db (relative error at most 1e-6). */
#include <pnlmetest.h>
#include <pnlmepop.h>

/* central difference of component q (0: g, 1: dg/da, 2: dg/db) in a (wrt 0) or b (wrt 1) */
static PetscReal Diff(const PnlmeErrorOps *ops, PetscReal a, PetscReal b, PetscReal f, int q, int wrt)
{
  const PetscReal h = 1e-5 * (wrt ? b : a);
  PetscReal       vp[3], vm[3];
  ops->gderiv(wrt ? a : a + h, wrt ? b + h : b, f, &vp[0], &vp[1], &vp[2]);
  ops->gderiv(wrt ? a : a - h, wrt ? b - h : b, f, &vm[0], &vm[1], &vm[2]);
  return (vp[q] - vm[q]) / (2 * h);
}

static PetscErrorCode TestModel(const char name[])
{
  const PnlmeErrorOps *ops;
  const PetscReal      avals[] = {0.05, 0.5, 3.0}, bvals[] = {0.02, 0.1, 0.6}, fvals[] = {-20.0, -0.3, 1e-3, 0.7, 5.0, 400.0};
  PetscReal            worst = 0;
  PetscFunctionBegin;
  PetscCall(PnlmeErrorModelFind(name, &ops));
  PNLME_TEST_CHECK(ops && ops->gderiv2, "%s: no second derivatives of g (gderiv2)", name);
  for (int ia = 0; ia < 3; ia++)
    for (int ib = 0; ib < 3; ib++)
      for (int jf = 0; jf < 6; jf++) {
        const PetscReal a = avals[ia], b = bvals[ib], f = fvals[jf];
        PetscReal       g, ga, gb, gaa, gab, gbb;
        ops->gderiv(a, b, f, &g, &ga, &gb);
        ops->gderiv2(a, b, f, &gaa, &gab, &gbb);
        /* pairs (analytic, numerical, scale of the row) */
        const PetscReal chk[][3] = {
          {ga,  Diff(ops, a, b, f, 0, 0), PetscAbsReal(ga) + g / a},
          {gb,  Diff(ops, a, b, f, 0, 1), PetscAbsReal(gb) + g / b},
          {gaa, Diff(ops, a, b, f, 1, 0), PetscAbsReal(gaa) + PetscAbsReal(ga) / a},
          {gab, Diff(ops, a, b, f, 1, 1), PetscAbsReal(gab) + PetscAbsReal(ga) / b},
          {gab, Diff(ops, a, b, f, 2, 0), PetscAbsReal(gab) + PetscAbsReal(gb) / a},
          {gbb, Diff(ops, a, b, f, 2, 1), PetscAbsReal(gbb) + PetscAbsReal(gb) / b},
        };
        for (int r = 0; r < 6; r++) {
          const PetscReal diff = PetscAbsReal(chk[r][0] - chk[r][1]), err = diff > 0 ? diff / chk[r][2] : 0;
          PNLME_TEST_CHECK(err <= 1e-6, "%s: a = %g, b = %g, f = %g: derivative %d is %.10g, its central difference %.10g", name, a, b, f, r, chk[r][0], chk[r][1]);
          worst = PetscMax(worst, err);
        }
      }
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %-14s first and second derivatives of g agree with central differences (largest relative error %.2g)\n", name, worst));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  const char *const names[] = {PNLME_ERROR_CONSTANT, PNLME_ERROR_PROPORTIONAL, PNLME_ERROR_COMBINED1, PNLME_ERROR_COMBINED2, PNLME_ERROR_EXPONENTIAL};
  PetscFunctionBegin;
  for (int k = 0; k < 5; k++) PetscCall(TestModel(names[k]));
  PetscCall(PetscPrintf(PETSC_COMM_SELF, "error-model derivatives OK\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "the derivatives of the error models' residual SD", Run); }
