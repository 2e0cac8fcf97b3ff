/* Closed-form PK registry: every model creates with its parameters in order (log-normal), its dosing
   compartments and output; an unknown name lists the known models; bad parameters and doses into a
   compartment the model does not have give PNLME_SOLVE_FAILED.  Prints the cost of one prediction. */
#include "pktest.h"

static PKTSubject S;

static const struct {
  const char *name;
  PetscInt    np, nstate, ndose;
  const char *p[5];
} Expected[] = {
  {"pk1_iv_cl",   2, 1, 1, {"CL", "V"}                  },
  {"pk1_iv_k",    2, 1, 1, {"k", "V"}                   },
  {"pk1_oral_cl", 3, 2, 2, {"ka", "CL", "V"}            },
  {"pk1_oral_k",  3, 2, 2, {"ka", "k", "V"}             },
  {"pk1_oral_ke", 3, 2, 2, {"ka", "ke", "V"}            },
  {"pk2_iv_cl",   4, 2, 1, {"CL", "V1", "Q", "V2"}      },
  {"pk2_iv_k",    4, 2, 1, {"k", "V1", "k12", "k21"}    },
  {"pk2_oral_cl", 5, 3, 2, {"ka", "CL", "V1", "Q", "V2"}},
  {"pk2_oral_k",  5, 3, 2, {"ka", "k", "V1", "k12", "k21"}},
};

static PetscErrorCode TestRegistry(void)
{
  PetscFunctionBegin;
  for (int im = 0; im < 9; im++) {
    PnlmeModel     m;
    PetscInt       n, st, iout, idx;
    const char    *s;
    PnlmeTransform tr;
    PnlmeModelKind kind;
    PetscCall(PKTModel(Expected[im].name, &m));
    PetscCall(PnlmeModelGetType(m, &s));
    PNLME_TEST_CHECK(!strcmp(s, Expected[im].name), "type name %s", s);
    PetscCall(PnlmeModelGetKind(m, &kind));
    PNLME_TEST_CHECK(kind == PNLME_MODEL_CLOSED_FORM, "%s: not a closed form", s);
    PetscCall(PnlmeModelGetNumParameters(m, &n));
    PNLME_TEST_CHECK(n == Expected[im].np, "%s: %d parameters", s, (int)n);
    for (PetscInt j = 0; j < n; j++) {
      const char *pn;
      PetscCall(PnlmeModelGetParameterName(m, j, &pn));
      PNLME_TEST_CHECK(!strcmp(pn, Expected[im].p[j]), "%s: parameter %d is %s, expected %s", s, (int)j, pn, Expected[im].p[j]);
      PetscCall(PnlmeModelGetTransform(m, j, &tr));
      PNLME_TEST_CHECK(tr == PNLME_TRANSFORM_LOG, "%s: parameter %s not log-normal", s, pn);
      PetscCall(PnlmeModelGetParameterIndex(m, Expected[im].p[j], &idx));
      PNLME_TEST_CHECK(idx == j, "%s: index of %s", s, pn);
    }
    PetscCall(PnlmeModelGetNumStates(m, &n));
    PNLME_TEST_CHECK(n == Expected[im].nstate, "%s: %d states", s, (int)n);
    PetscCall(PnlmeModelGetNumOutputs(m, &n));
    PNLME_TEST_CHECK(n == 1, "%s: %d outputs", s, (int)n);
    PetscCall(PnlmeModelGetOutputName(m, 0, &s));
    PNLME_TEST_CHECK(!strcmp(s, "C"), "output %s", s);
    PetscCall(PnlmeModelGetOutputIndex(m, Expected[im].ndose == 2 ? 2 : 1, &iout));
    PNLME_TEST_CHECK(iout == 0, "output index");
    PetscCall(PnlmeModelGetDoseState(m, 1, &st));
    PNLME_TEST_CHECK(st == 0, "CMT 1 doses");
    PetscCall(PnlmeModelGetDoseState(m, 2, &st));
    PNLME_TEST_CHECK(st == (Expected[im].ndose == 2 ? 1 : -1), "CMT 2 doses: state %d", (int)st);
    PetscCall(PnlmeModelGetDoseState(m, 3, &st));
    PNLME_TEST_CHECK(st == -1, "CMT 3 doses");
    PetscCall(PnlmeModelView(m, PETSC_VIEWER_STDOUT_SELF));
    PetscCall(PnlmeModelDestroy(&m));
  }
  /* an unknown name: the error lists the known models */
  {
    PnlmeModel     m;
    PetscErrorCode ierr;
    const char    *text = NULL;
    char          *specific = NULL;
    PetscCall(PnlmeModelCreate(PETSC_COMM_SELF, &m));
    ierr = PnlmeModelSetType(m, "pk3_nosuch");
    PNLME_TEST_CHECK(ierr == PETSC_ERR_ARG_UNKNOWN_TYPE, "unknown model: error %d", (int)ierr);
    PetscErrorMessage(ierr, &text, &specific);
    PNLME_TEST_CHECK(specific && strstr(specific, "unknown model; known models:"), "unknown model message: %s", specific ? specific : "(none)");
    for (int im = 0; im < 9; im++) PNLME_TEST_CHECK(strstr(specific, Expected[im].name), "the message does not list %s: %s", Expected[im].name, specific);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "unknown model message: %s\n", specific));
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "registry: OK\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode TestBadParameters(void)
{
  const PetscReal bad[] = {-1.0, 0.0, NAN, INFINITY};
  PetscFunctionBegin;
  for (int im = 0; im < PKT_NMODELS; im++) {
    PnlmeModel       m;
    PetscReal        phi[8], pred[64], sens[64 * 8];
    PetscInt         np;
    PnlmeSolveStatus st;
    PetscBool        oral = strstr(PKTModels[im], "oral") ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(PKTModel(PKTModels[im], &m));
    PetscCall(PnlmeModelGetNumParameters(m, &np));
    PKTInit(&S);
    PKTBolus(&S, 0, 100, 1);
    PKTInfusion(&S, 1, 10, 2, 1);
    for (int i = 0; i < 10; i++) PKTObs(&S, 0.5 + i);
    PKTFinish(&S);
    for (PetscInt j = 0; j < np; j++)
      for (int b = 0; b < 4; b++)
        for (int withsens = 0; withsens < 2; withsens++) {
          PKTTypical(PKTModels[im], phi);
          phi[j] = bad[b];
          PetscCall(PnlmeModelPredict(m, &S.s, phi, pred, withsens ? sens : NULL, &st));
          PNLME_TEST_CHECK(st == PNLME_SOLVE_FAILED, "%s: parameter %d = %g must fail, status %d", PKTModels[im], (int)j, bad[b], (int)st);
        }
    /* a dose into a compartment the model does not have */
    PKTTypical(PKTModels[im], phi);
    PKTInit(&S);
    PKTBolus(&S, 0, 100, oral ? 3 : 2);
    PKTObs(&S, 1);
    PetscCall(PnlmeModelPredict(m, PKTFinish(&S), phi, pred, NULL, &st));
    PNLME_TEST_CHECK(st == PNLME_SOLVE_FAILED, "%s: dose into CMT %d must fail", PKTModels[im], oral ? 3 : 2);
    PetscCall(PnlmeModelDestroy(&m));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "bad parameters and doses give PNLME_SOLVE_FAILED: OK\n"));
  PetscFunctionReturn(0);
}

/* cost of one PnlmeModelPredict (printed, not asserted) */
static PetscErrorCode Timing(const char name[], PetscInt ndose, PetscInt nobs, PetscInt ncall)
{
  PnlmeModel       m;
  PetscReal        phi[8], pred[PKT_MAXOBS], sens[PKT_MAXOBS * 8], acc = 0;
  PetscLogDouble   t0, t1, t2;
  PnlmeSolveStatus st;
  PetscFunctionBegin;
  PetscCall(PKTModel(name, &m));
  PKTTypical(name, phi);
  PKTInit(&S);
  for (PetscInt d = 0; d < ndose; d++) PKTBolus(&S, 10.0 * d, 320, 1);
  for (PetscInt i = 0; i < nobs; i++) PKTObs(&S, (10.0 * ndose + 14) * (i + 1) / (nobs + 1));
  PKTFinish(&S);
  PetscCall(PetscTime(&t0));
  for (PetscInt k = 0; k < ncall; k++) {
    phi[0] *= (k & 1) ? 1.000001 : 1 / 1.000001;
    PetscCall(PnlmeModelPredict(m, &S.s, phi, pred, NULL, &st));
    acc += pred[nobs - 1];
  }
  PetscCall(PetscTime(&t1));
  for (PetscInt k = 0; k < ncall; k++) {
    phi[0] *= (k & 1) ? 1.000001 : 1 / 1.000001;
    PetscCall(PnlmeModelPredict(m, &S.s, phi, pred, sens, &st));
    acc += sens[0];
  }
  PetscCall(PetscTime(&t2));
  PNLME_TEST_CHECK(isfinite(acc), "timing loop: non-finite predictions");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "timing %-12s %2d dose(s) %3d obs: %7.3f us per prediction, %7.3f us with sensitivities\n", name, (int)ndose, (int)nobs, 1e6 * (t1 - t0) / ncall, 1e6 * (t2 - t1) / ncall));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscFunctionBegin;
  PetscCall(TestRegistry());
  PetscCall(TestBadParameters());
  PetscCall(Timing("pk1_oral_ke", 1, 10, 400000));
  PetscCall(Timing("pk1_iv_cl", 1, 10, 400000));
  PetscCall(Timing("pk2_iv_cl", 1, 10, 400000));
  PetscCall(Timing("pk2_oral_cl", 1, 10, 400000));
  PetscCall(Timing("pk1_oral_ke", 10, 15, 100000));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "closed-form PK registry", Run); }
