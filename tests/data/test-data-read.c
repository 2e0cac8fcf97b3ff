/* The shipped datasets: counts, covariate transforms, pre-dose ordering, and the same content at any
   number of ranks (every rank compares its part with a serial load of the whole file). */
#include "datatest.h"

static PetscErrorCode Path(const char rel[], char path[], size_t size)
{
  const char *src = getenv("PNLME_SOURCE_DIR");
  PetscFunctionBegin;
  PetscCheck(src, PETSC_COMM_SELF, PETSC_ERR_USER, "PNLME_SOURCE_DIR is not set (ctest sets it)");
  PetscCall(PetscSNPrintf(path, size, "%s/%s", src, rel));
  PetscFunctionReturn(0);
}

/* counts of event types over all subjects (collective) */
static PetscErrorCode CountEvents(PnlmeData d, PetscInt64 count[5])
{
  PetscInt     n;
  PnlmeSubject s;
  PetscInt64   loc[5] = {0, 0, 0, 0, 0};
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetNumSubjects(d, &n, NULL));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PnlmeDataGetSubject(d, i, &s));
    for (PetscInt e = 0; e < s.nev; e++) loc[s.ev[e].type]++;
  }
  PetscCallMPI(MPI_Allreduce(loc, count, 5, MPIU_INT64, MPI_SUM, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

static PetscErrorCode TheoSD(void)
{
  char               path[PETSC_MAX_PATH_LEN];
  PnlmeData          d;
  PetscInt64         N, nobs, cnt[5];
  PetscInt           ncov, found = 0, maxobs, maxev;
  const char *const *names;
  PetscReal          mean, min, max;
  PnlmeCovariateKind kind;
  PnlmeSubject       s;
  PetscBool          has;
  PetscFunctionBegin;
  PetscCall(Path("input/theophylline/theo_sd.csv", path, sizeof(path)));
  PetscCall(DataTestLoadChecked(path, "WT:log,SEX:cat", NULL, &d));
  PetscCall(PnlmeDataGetNumSubjects(d, NULL, &N));
  PetscCall(PnlmeDataGetNumObservations(d, NULL, &nobs));
  PNLME_TEST_CHECK(N == 12 && nobs == 120, "theo_sd: %" PetscInt64_FMT " subjects and %" PetscInt64_FMT " observations, expected 12 and 120", N, nobs);
  PetscCall(CountEvents(d, cnt));
  PNLME_TEST_CHECK(cnt[PNLME_EV_BOLUS] == 12 && cnt[PNLME_EV_OBS] == 120 && cnt[PNLME_EV_INFUSION_START] == 0 && cnt[PNLME_EV_RESET] == 0, "theo_sd: %" PetscInt64_FMT " doses", cnt[PNLME_EV_BOLUS]);
  PetscCall(PnlmeDataGetMaxSizes(d, &maxobs, &maxev));
  PNLME_TEST_CHECK(maxobs == 10 && maxev == 11, "theo_sd: max sizes %d %d, expected 10 11", (int)maxobs, (int)maxev);
  PetscCall(PnlmeDataGetCovariateNames(d, &ncov, &names));
  PNLME_TEST_CHECK(ncov == 2 && !strcmp(names[0], "WT") && !strcmp(names[1], "SEX_1"), "theo_sd: design columns %d (%s ...)", (int)ncov, ncov ? names[0] : "");
  PetscCall(PnlmeDataGetCovariateStats(d, "WT", &kind, &mean, &min, &max));
  PNLME_TEST_CHECK(kind == PNLME_COV_LOG, "WT is not log-transformed");
  PNLME_TEST_CLOSE(mean, 69.583, 0, 5e-4, "theo_sd: mean WT over subjects");
  PNLME_TEST_CHECK(min == 54.6 && max == 86.4, "theo_sd: WT range %g %g", (double)min, (double)max);
  PetscCall(DataTestFind(d, 1, &s, &has));
  if (has) {
    found = 1;
    PNLME_TEST_CHECK(s.cov[0] == PetscLogReal(79.6 / mean), "subject 1: WT design %.17g, expected log(79.6/mean)", (double)s.cov[0]);
    PNLME_TEST_CLOSE(s.cov[0], PetscLogReal(79.6 / 69.583), 0, 1e-5, "subject 1: log(79.6/69.583)");
    PNLME_TEST_CHECK(s.cov[1] == 1.0, "subject 1 has SEX 1");
    PNLME_TEST_CHECK(s.nobs == 10 && s.nev == 11 && s.line == 2 && s.gindex == 0, "subject 1: nobs %d nev %d line %d", (int)s.nobs, (int)s.nev, (int)s.line);
    PNLME_TEST_CHECK(s.ev[0].type == PNLME_EV_BOLUS && s.ev[0].time == 0 && s.ev[0].amount == 319.992 && s.ev[0].cmt == 1, "subject 1: the first entry is the dose");
    PNLME_TEST_CHECK(s.ev[1].type == PNLME_EV_OBS && s.ev[1].index == 0 && s.tobs[0] == 0.25 && s.dv[0] == 2.84 && s.obsout[0] == 0, "subject 1: the first observation");
    PNLME_TEST_CHECK(s.cens == NULL && s.limit == NULL, "no CENS/LIMIT columns: NULL arrays");
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &found, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  PNLME_TEST_CHECK(found == 1, "subject 1 found on %d ranks", (int)found);
  PetscCall(PnlmeDataView(d, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode TheoMD(void)
{
  char         path[PETSC_MAX_PATH_LEN];
  PnlmeData    d;
  PetscInt64   N, nobs, cnt[5];
  PetscInt     n;
  PnlmeSubject s;
  PetscFunctionBegin;
  PetscCall(Path("input/theophylline/theo_md.csv", path, sizeof(path)));
  PetscCall(DataTestLoadChecked(path, "WT:center", NULL, &d));
  PetscCall(PnlmeDataGetNumSubjects(d, &n, &N));
  PetscCall(PnlmeDataGetNumObservations(d, NULL, &nobs));
  PNLME_TEST_CHECK(N == 20 && nobs == 20 * 55, "theo_md: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations", N, nobs);
  PetscCall(CountEvents(d, cnt));
  PNLME_TEST_CHECK(cnt[PNLME_EV_BOLUS] == 200, "theo_md: %" PetscInt64_FMT " doses, expected 200", cnt[PNLME_EV_BOLUS]);
  for (PetscInt i = 0; i < n; i++) {
    PetscInt iobs = -1, idose = -1;
    PetscCall(PnlmeDataGetSubject(d, i, &s));
    PNLME_TEST_CHECK(s.nobs == 55, "theo_md: ID %" PetscInt64_FMT " has %d observations", s.id, (int)s.nobs);
    for (PetscInt e = 0; e < s.nev; e++) {
      if (e) PNLME_TEST_CHECK(s.ev[e].time >= s.ev[e - 1].time, "theo_md: timeline not sorted");
      if (s.ev[e].time != 10) continue;
      if (s.ev[e].type == PNLME_EV_OBS) iobs = e;
      if (s.ev[e].type == PNLME_EV_BOLUS) idose = e;
    }
    PNLME_TEST_CHECK(iobs >= 0 && idose >= 0 && iobs < idose, "theo_md: ID %" PetscInt64_FMT ": at t=10 the observation (entry %d) must precede the dose (entry %d)", s.id, (int)iobs, (int)idose);
    PNLME_TEST_CHECK(s.ev[idose].amount == 300 && s.ev[idose].index == 1, "theo_md: the second dose");
  }
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode Neonates(void)
{
  char               path[PETSC_MAX_PATH_LEN];
  PnlmeData          d;
  PetscInt64         N, nobs, cnt[5];
  PetscInt           ncov;
  const char *const *names;
  PetscFunctionBegin;
  PetscCall(Path("input/neonates/neonates189.csv", path, sizeof(path)));
  PetscCall(DataTestLoadChecked(path, "GA:center,MAGE:none,SEX:cat,DELM:cat=1,PARA2:cat", NULL, &d));
  PetscCall(PnlmeDataGetNumSubjects(d, NULL, &N));
  PetscCall(PnlmeDataGetNumObservations(d, NULL, &nobs));
  PNLME_TEST_CHECK(N == 189 && nobs == 1120, "neonates: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations", N, nobs);
  PetscCall(CountEvents(d, cnt));
  PNLME_TEST_CHECK(cnt[PNLME_EV_OBS] == 1120 && cnt[PNLME_EV_BOLUS] == 0, "neonates: events");
  PetscCall(PnlmeDataGetCovariateNames(d, &ncov, &names));
  PNLME_TEST_CHECK(ncov == 5 && !strcmp(names[0], "GA") && !strcmp(names[1], "MAGE") && !strcmp(names[2], "SEX_1") && !strcmp(names[3], "DELM_0") && !strcmp(names[4], "PARA2_1"), "neonates: design columns");
  PetscCall(PnlmeDataView(d, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscFunctionBegin;
  PetscCall(TheoSD());
  PetscCall(TheoMD());
  PetscCall(Neonates());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "data read: all checks passed\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "data reader test on the shipped datasets", Run);
}
