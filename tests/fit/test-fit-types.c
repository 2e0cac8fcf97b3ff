/* The estimator registry (PnlmeFitRegister, PnlmeFitSetType, -estimator):
   1. a type registered from outside the library ("saem_wrapped": SAEM's operations, its own view) is
      found by -estimator and gives SAEM's iterates bit for bit;
   2. a type set with PnlmeFitSetType and then replaced (vem, then saem) leaves nothing of the first
      (the iterates are SAEM's);
   3. an unknown name is refused naming the registered ones (the new type among them), and the type
      cannot change after PnlmeFitSetFromOptions.
   The fit is the one of the options (a short theophylline run, -fit_post false). */
#include <pnlmetest.h>
#include "fit/fitimpl.h"

static PetscErrorCode (*SAEMView)(PnlmeFit, PetscViewer, const char[]);

static PetscErrorCode View_Wrapped(PnlmeFit fit, PetscViewer v, const char err[])
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "saem_wrapped: SAEM's iterations, registered by the test\n"));
  PetscCall((*SAEMView)(fit, v, err));
  PetscFunctionReturn(0);
}

static PetscErrorCode Create_Wrapped(PnlmeFit fit)
{
  PetscFunctionBegin;
  PetscCall(PnlmeFitCreate_SAEM(fit));
  SAEMView        = fit->ops->view;
  fit->ops->view  = View_Wrapped;
  PetscFunctionReturn(0);
}

/* a fit of the options' model and data with estimator `type` set before SetFromOptions (NULL: -estimator) */
static PetscErrorCode Fit(const char type[], const char first[], PetscInt *niter, PetscReal **hist, PetscInt *ncol)
{
  PnlmeFit         fit, tmp;
  PnlmeModel       model;
  PnlmeData        data;
  const PetscReal *h;
  PnlmeFitType     got;
  PetscFunctionBegin;
  PetscCall(PnlmeFitCreateFromOptions(PETSC_COMM_WORLD, &tmp)); /* the model and data of the options */
  PetscCall(PnlmeFitGetModel(tmp, &model));
  PetscCall(PnlmeFitGetData(tmp, &data));
  PetscCall(PnlmeFitCreate(PETSC_COMM_WORLD, &fit));
  PetscCall(PnlmeFitSetData(fit, data));
  PetscCall(PnlmeFitSetModel(fit, model));
  PetscCall(PnlmeFitDestroy(&tmp));
  if (first) PetscCall(PnlmeFitSetType(fit, first));
  if (type) PetscCall(PnlmeFitSetType(fit, type));
  PetscCall(PnlmeFitSetFromOptions(fit));
  PetscCall(PnlmeFitGetType(fit, &got));
  PNLME_TEST_CHECK(!strcmp(got, type ? type : PNLMEFITSAEM), "the type is %s, not %s", got, type ? type : PNLMEFITSAEM);
  PetscCall(PnlmeFitSolve(fit));
  PetscCall(PnlmeFitView(fit, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeFitGetHistory(fit, niter, ncol, &h));
  PetscCall(PetscMalloc1(*niter * *ncol, hist));
  PetscCall(PetscArraycpy(*hist, h, *niter * *ncol));
  /* the type is fixed once the options are read */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  {
    PetscErrorCode ierr = PnlmeFitSetType(fit, PNLMEFITVEM);
    PNLME_TEST_CHECK(ierr == PETSC_ERR_ORDER, "PnlmeFitSetType after SetUp returned %d, not PETSC_ERR_ORDER", (int)ierr);
  }
  PetscCall(PetscPopErrorHandler());
  PetscCall(PnlmeFitDestroy(&fit));
  PetscFunctionReturn(0);
}

static PetscErrorCode Same(const char what[], PetscInt n1, PetscInt c1, const PetscReal h1[], PetscInt n2, PetscInt c2, const PetscReal h2[])
{
  PetscFunctionBegin;
  PNLME_TEST_CHECK(n1 == n2 && c1 == c2, "%s: %" PetscInt_FMT " x %" PetscInt_FMT " iterations x columns, SAEM %" PetscInt_FMT " x %" PetscInt_FMT, what, n2, c2, n1, c1);
  PNLME_TEST_CHECK(!memcmp(h1, h2, sizeof(PetscReal) * n1 * c1), "%s: the iterates differ from SAEM's", what);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: %" PetscInt_FMT " iterations, the same iterates as SAEM bit for bit\n", what, n1));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscInt       n0, c0, n1, c1, n2, c2;
  PetscReal     *h0, *h1, *h2;
  PnlmeFit       fit;
  PetscErrorCode ierr;
  PetscFunctionBegin;
  PetscCall(PnlmeFitRegister("saem_wrapped", Create_Wrapped));
  PetscCall(Fit(NULL, NULL, &n0, &h0, &c0));
  PetscCall(Fit("saem_wrapped", NULL, &n1, &h1, &c1));
  PetscCall(Same("saem_wrapped", n0, c0, h0, n1, c1, h1));
  PetscCall(Fit(PNLMEFITSAEM, PNLMEFITVEM, &n2, &h2, &c2));
  PetscCall(Same("vem replaced by saem", n0, c0, h0, n2, c2, h2));
  /* an unknown type: refused, naming the registered ones */
  PetscCall(PnlmeFitCreate(PETSC_COMM_WORLD, &fit));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = PnlmeFitSetType(fit, "mcmc");
  PetscCall(PetscPopErrorHandler());
  PNLME_TEST_CHECK(ierr == PETSC_ERR_ARG_UNKNOWN_TYPE, "PnlmeFitSetType(mcmc) returned %d", (int)ierr);
  {
    const char *text, *msg = NULL;
    PetscErrorMessage(ierr, &text, (char **)&msg);
    PNLME_TEST_CHECK(msg && strstr(msg, "saem, vem") && strstr(msg, "saem_wrapped"), "the error does not list the types: %s", msg ? msg : "(none)");
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "unknown type: %s\n", msg));
  }
  PetscCall(PnlmeFitDestroy(&fit));
  PetscCall(PetscFree(h0));
  PetscCall(PetscFree(h1));
  PetscCall(PetscFree(h2));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "estimator registry", Run);
}
