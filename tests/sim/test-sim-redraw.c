/* Failed solves: a subject whose prediction fails is redrawn (new eta from the next substream) up to
   -sim_max_redraws times and counted; a model that always fails stops the run with one collective error
   naming the first subject.  Test models registered here: "simtest_half" fails whenever k > 1 (half of
   the etas), "simtest_never" always fails. */
#include <pnlmetest.h>
#include <stdio.h>
#include <string.h>

static int PredictHalf(const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  (void)sens;
  (void)ctx;
  if (phi[0] > 1.0) return 1;
  for (PetscInt j = 0; j < s->nobs; j++) pred[j] = phi[0] * (1.0 + s->tobs[j]);
  return 0;
}

static int PredictNever(const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  (void)s;
  (void)phi;
  (void)pred;
  (void)sens;
  (void)ctx;
  return 1;
}

static PetscErrorCode Create(PnlmeModel m, int (*predict)(const PnlmeSubject *, const PetscReal[], PetscReal[], PetscReal[], void *))
{
  const char *const names[] = {"k"};
  PnlmeModelOps     ops;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(&ops, sizeof(ops)));
  ops.predict = predict;
  PetscCall(PnlmeModelSetParameters(m, 1, names, NULL));
  PetscCall(PnlmeModelAddOutput(m, "y", 1));
  PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, NULL, NULL));
  PetscFunctionReturn(0);
}
static PetscErrorCode CreateHalf(PnlmeModel m)
{
  PetscFunctionBegin;
  PetscCall(Create(m, PredictHalf));
  PetscFunctionReturn(0);
}
static PetscErrorCode CreateNever(PnlmeModel m)
{
  PetscFunctionBegin;
  PetscCall(Create(m, PredictNever));
  PetscFunctionReturn(0);
}

static PetscErrorCode Simulate(const char model[], const char out[], PetscInt n, PetscInt maxredraw, PnlmeSimSummary *sum, PetscErrorCode *ierr)
{
  PnlmeModel m;
  PnlmeSim   sim;
  char       par[PETSC_MAX_PATH_LEN], val[16];
  PetscFunctionBegin;
  PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &m));
  PetscCall(PnlmeModelSetType(m, model));
  PetscCall(PnlmeSimCreate(PETSC_COMM_WORLD, &sim));
  PetscCall(PnlmeSimSetModel(sim, m));
  PetscCall(PnlmeSimSetNumSubjects(sim, n));
  PetscCall(PnlmeSimSetOutput(sim, out));
  PetscCall(PetscSNPrintf(par, sizeof(par), "%s.par", out));
  PetscCall(PnlmeSimSetParameterOutput(sim, par));
  PetscCall(PnlmeSimSetTheta(sim, "k=1"));
  PetscCall(PnlmeSimSetOmega(sim, "k=0.5"));
  PetscCall(PnlmeSimSetError(sim, PNLME_ERROR_CONSTANT, 0.1, 0));
  PetscCall(PnlmeSimSetTimes(sim, "0,1,2", PETSC_DECIDE, PETSC_DECIDE, PETSC_DEFAULT));
  PetscCall(PetscSNPrintf(val, sizeof(val), "%d", (int)maxredraw));
  PetscCall(PetscOptionsSetValue(NULL, "-sim_max_redraws", val));
  PetscCall(PetscOptionsSetValue(NULL, "-sim_summary", "0"));
  PetscCall(PnlmeSimSetFromOptions(sim));
  *ierr = PnlmeSimRun(sim); /* not PetscCall: the failing case is expected */
  if (!*ierr) PetscCall(PnlmeSimGetSummary(sim, sum));
  PetscCall(PnlmeSimDestroy(&sim));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscMPIInt     size;
  PnlmeSimSummary sum;
  PetscErrorCode  ierr;
  char            out[PETSC_MAX_PATH_LEN], line[256];
  const char     *text, *msg = NULL;
  FILE           *fp;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PnlmeModelRegister("simtest_half", CreateHalf));
  PetscCall(PnlmeModelRegister("simtest_never", CreateNever));
  /* half of the first draws fail: every subject ends with k <= 1 after its redraws */
  PetscCall(PetscSNPrintf(out, sizeof(out), "sim-redraw-np%d.csv", (int)size));
  PetscCall(Simulate("simtest_half", out, 400, 40, &sum, &ierr));
  PNLME_TEST_CHECK(!ierr, "simtest_half: the run failed");
  PNLME_TEST_CHECK(sum.nsubjects == 400 && sum.nobs == 1200, "simtest_half: %lld subjects, %lld observations", (long long)sum.nsubjects, (long long)sum.nobs);
  PNLME_TEST_CHECK(sum.nredrawn > 160 && sum.nredrawn < 240, "simtest_half: %lld subjects redrawn, expected about 200", (long long)sum.nredrawn);
  PNLME_TEST_CHECK(sum.nfailedsolves >= sum.nredrawn && sum.nfailedsolves > 290 && sum.nfailedsolves < 510, "simtest_half: %lld failed solves, expected about 400", (long long)sum.nfailedsolves);
  PetscCall(PetscStrlcat(out, ".par", sizeof(out)));
  fp = fopen(out, "r");
  PNLME_TEST_CHECK(fp && fgets(line, sizeof(line), fp) && !strcmp(line, "ID,k\n"), "%s: bad header", out);
  for (int i = 0; i < 400; i++) {
    int    id;
    double k;
    PNLME_TEST_CHECK(fgets(line, sizeof(line), fp) && sscanf(line, "%d,%lf", &id, &k) == 2 && id == i + 1, "%s: bad line %d", out, i + 2);
    PNLME_TEST_CHECK(k <= 1.0, "subject %d kept k = %g, whose solve failed", id, k);
  }
  fclose(fp);
  /* a model that always fails: one collective error naming the first subject */
  PetscCall(PetscSNPrintf(out, sizeof(out), "sim-never-np%d.csv", (int)size));
  PetscCall(Simulate("simtest_never", out, 50, 2, &sum, &ierr));
  PNLME_TEST_CHECK(ierr == PETSC_ERR_USER, "simtest_never: expected PETSC_ERR_USER, got %d", (int)ierr);
  PetscErrorMessage(ierr, &text, (char **)&msg);
  PNLME_TEST_CHECK(msg && strstr(msg, "subject 1: the model prediction failed (solver failure) for 3 draws of eta (-sim_max_redraws 2)"), "simtest_never: message '%s'", msg ? msg : "");
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "redraws: %lld of 400 subjects redrawn, %lld failed solves; always failing model: %s\n", (long long)sum.nredrawn, (long long)sum.nfailedsolves, msg));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "simulator redraws after failed solves", Run); }
