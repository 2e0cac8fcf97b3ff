/* Timelines: ADDL/II expansion equals explicit dose rows, infusions give START/END entries, EVID 3/4 give
   resets (stopping running infusions), SS 1/2 give a STEADY_STATE entry before their dose, and the optional columns (no EVID/MDV, mapped names, CENS/LIMIT,
   covariates with missing rows, CRLF, blank lines, quotes) are read as documented. */
#include "datatest.h"

static char Dir[PETSC_MAX_PATH_LEN];

static PetscErrorCode Load(const char name[], const char covs[], const char cols[], PnlmeData *d)
{
  char path[2 * PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/%s", Dir, name));
  PetscCall(DataTestLoadChecked(path, covs, cols, d));
  PetscFunctionReturn(0);
}

typedef struct {
  PetscReal t, amount, duration;
  PetscInt  type;
} Expect;

static PetscErrorCode CheckTimeline(const PnlmeSubject *s, PetscInt n, const Expect x[])
{
  PetscFunctionBegin;
  PNLME_TEST_CHECK(s->nev == n, "ID %" PetscInt64_FMT ": %d timeline entries, expected %d", s->id, (int)s->nev, (int)n);
  for (PetscInt e = 0; e < n; e++) {
    const PnlmeEvent *v = &s->ev[e];
    PNLME_TEST_CHECK(v->type == x[e].type && v->time == x[e].t && v->amount == x[e].amount && v->duration == x[e].duration, "ID %" PetscInt64_FMT " entry %d: type %d time %g amount %g duration %g, expected type %d time %g amount %g duration %g", s->id, (int)e, (int)v->type, (double)v->time, (double)v->amount, (double)v->duration, (int)x[e].type, (double)x[e].t, (double)x[e].amount, (double)x[e].duration);
    if (v->type == PNLME_EV_OBS) PNLME_TEST_CHECK(s->tobs[v->index] == v->time, "ID %" PetscInt64_FMT ": observation index of entry %d", s->id, (int)e);
  }
  PetscFunctionReturn(0);
}

/* the same subjects with ADDL and with explicit rows: identical timelines except for the dose index */
static PetscErrorCode AddlVsExplicit(void)
{
  PnlmeData    a, b;
  PetscInt     n, nb;
  PnlmeSubject sa, sb;
  PetscFunctionBegin;
  PetscCall(Load("addl.csv", NULL, NULL, &a));
  PetscCall(Load("explicit.csv", NULL, NULL, &b));
  PetscCall(PnlmeDataGetNumSubjects(a, &n, NULL));
  PetscCall(PnlmeDataGetNumSubjects(b, &nb, NULL));
  PNLME_TEST_CHECK(n == nb, "the partitions differ");
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PnlmeDataGetSubject(a, i, &sa));
    PetscCall(PnlmeDataGetSubject(b, i, &sb));
    PNLME_TEST_CHECK(sa.id == sb.id && sa.nev == sb.nev && sa.nobs == sb.nobs, "ID %" PetscInt64_FMT ": %d and %d entries", sa.id, (int)sa.nev, (int)sb.nev);
    for (PetscInt e = 0; e < sa.nev; e++) {
      const PnlmeEvent *x = &sa.ev[e], *y = &sb.ev[e];
      PNLME_TEST_CHECK(x->time == y->time && x->amount == y->amount && x->duration == y->duration && x->type == y->type && x->cmt == y->cmt, "ID %" PetscInt64_FMT ": entry %d differs (type %d at %g vs type %d at %g)", sa.id, (int)e, (int)x->type, (double)x->time, (int)y->type, (double)y->time);
      if (x->type != PNLME_EV_OBS) PNLME_TEST_CHECK(x->index == 0, "ADDL doses keep the index of their row");
    }
    if (sa.id == 1) {
      const Expect x[] = {{0, 0, 0, PNLME_EV_OBS}, {0, 100, 0, PNLME_EV_BOLUS}, {1, 0, 0, PNLME_EV_OBS}, {12, 0, 0, PNLME_EV_OBS}, {12, 100, 0, PNLME_EV_BOLUS}, {13, 0, 0, PNLME_EV_OBS}, {24, 0, 0, PNLME_EV_OBS}, {24, 100, 0, PNLME_EV_BOLUS}, {36, 0, 0, PNLME_EV_OBS}, {36, 100, 0, PNLME_EV_BOLUS}, {40, 0, 0, PNLME_EV_OBS}};
      PetscCall(CheckTimeline(&sa, 11, x));
    } else {
      const Expect x[] = {{0, 50, 2, PNLME_EV_INFUSION_START}, {1, 0, 0, PNLME_EV_OBS}, {2, 0, 0, PNLME_EV_OBS}, {2, 50, 0, PNLME_EV_INFUSION_END}, {3, 0, 0, PNLME_EV_OBS}, {8, 0, 0, PNLME_EV_OBS}, {8, 50, 2, PNLME_EV_INFUSION_START}, {9, 0, 0, PNLME_EV_OBS}, {10, 50, 0, PNLME_EV_INFUSION_END}, {16, 50, 2, PNLME_EV_INFUSION_START}, {17, 0, 0, PNLME_EV_OBS}, {18, 50, 0, PNLME_EV_INFUSION_END}, {20, 0, 0, PNLME_EV_OBS}};
      PetscCall(CheckTimeline(&sa, 13, x));
      PNLME_TEST_CHECK(sa.ev[0].cmt == 1 && sa.ev[3].cmt == 1, "infusions go to CMT 1");
    }
  }
  PetscCall(PnlmeDataDestroy(&a));
  PetscCall(PnlmeDataDestroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode Resets(void)
{
  PnlmeData    d;
  PnlmeSubject s;
  PetscBool    has;
  PetscFunctionBegin;
  PetscCall(Load("reset.csv", NULL, NULL, &d));
  PetscCall(DataTestFind(d, 1, &s, &has));
  if (has) {
    const Expect x[] = {{0, 100, 0, PNLME_EV_BOLUS}, {1, 0, 0, PNLME_EV_OBS}, {2, 0, 0, PNLME_EV_RESET}, {3, 0, 0, PNLME_EV_OBS}, {4, 0, 0, PNLME_EV_RESET}, {4, 50, 0, PNLME_EV_BOLUS}, {5, 0, 0, PNLME_EV_OBS}};
    PetscCall(CheckTimeline(&s, 7, x));
  }
  PetscCall(DataTestFind(d, 2, &s, &has));
  if (has) { /* the reset at 4 stops the infusion started at 0 (it would have ended at 10) */
    const Expect x[] = {{0, 10, 10, PNLME_EV_INFUSION_START}, {1, 0, 0, PNLME_EV_OBS}, {4, 10, 0, PNLME_EV_INFUSION_END}, {4, 0, 0, PNLME_EV_RESET}, {5, 0, 0, PNLME_EV_OBS}, {12, 0, 0, PNLME_EV_OBS}};
    PetscCall(CheckTimeline(&s, 6, x));
  }
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

/* steady-state doses: SS 1 is a reset, a STEADY_STATE entry (amount II, cmt SS) and the dose, its ADDL
   repetitions plain doses after it; SS 2 has no reset; EVID 4 with SS 1 one reset */
static PetscErrorCode SteadyState(void)
{
  PnlmeData    d;
  PnlmeSubject s;
  PetscBool    has;
  PetscFunctionBegin;
  PetscCall(Load("steady-state.csv", NULL, NULL, &d));
  PetscCall(DataTestFind(d, 1, &s, &has));
  if (has) {
    const Expect x[] = {{0, 100, 0, PNLME_EV_BOLUS}, {10, 0, 0, PNLME_EV_OBS}, {24, 0, 0, PNLME_EV_RESET}, {24, 12, 0, PNLME_EV_STEADY_STATE}, {24, 100, 0, PNLME_EV_BOLUS}, {30, 0, 0, PNLME_EV_OBS}, {36, 100, 0, PNLME_EV_BOLUS}};
    PetscCall(CheckTimeline(&s, 7, x));
    PNLME_TEST_CHECK(s.ev[3].cmt == 1, "SS 1: the STEADY_STATE entry's cmt is the SS value, got %d", (int)s.ev[3].cmt);
  }
  PetscCall(DataTestFind(d, 2, &s, &has));
  if (has) {
    const Expect x[] = {{0, 100, 0, PNLME_EV_BOLUS}, {24, 12, 0, PNLME_EV_STEADY_STATE}, {24, 50, 2, PNLME_EV_INFUSION_START}, {26, 50, 0, PNLME_EV_INFUSION_END}, {30, 0, 0, PNLME_EV_OBS}};
    PetscCall(CheckTimeline(&s, 5, x));
    PNLME_TEST_CHECK(s.ev[1].cmt == 2, "SS 2: the STEADY_STATE entry's cmt is the SS value, got %d", (int)s.ev[1].cmt);
  }
  PetscCall(DataTestFind(d, 3, &s, &has));
  if (has) {
    const Expect x[] = {{0, 0, 0, PNLME_EV_RESET}, {0, 12, 0, PNLME_EV_STEADY_STATE}, {0, 100, 0, PNLME_EV_BOLUS}, {1, 0, 0, PNLME_EV_OBS}};
    PetscCall(CheckTimeline(&s, 4, x));
  }
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode OptionalColumns(void)
{
  PnlmeData          d;
  PnlmeSubject       s;
  PetscBool          has;
  PetscInt64         N, nobs;
  PetscInt           ncov;
  const char *const *names;
  PetscReal          mean, min, max;
  PetscFunctionBegin;
  PetscCall(Load("nomdv.csv", "WT:none,RACE:cat=2,AGE:center", "ID=SUBJ,DV=CONC", &d));
  PetscCall(PnlmeDataGetNumSubjects(d, NULL, &N));
  PetscCall(PnlmeDataGetNumObservations(d, NULL, &nobs));
  PNLME_TEST_CHECK(N == 3 && nobs == 4, "nomdv: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, expected 3 and 4", N, nobs);
  PetscCall(PnlmeDataGetCovariateNames(d, &ncov, &names));
  PNLME_TEST_CHECK(ncov == 4 && !strcmp(names[0], "WT") && !strcmp(names[1], "RACE_1") && !strcmp(names[2], "RACE_3") && !strcmp(names[3], "AGE"), "nomdv: design columns");
  PetscCall(PnlmeDataGetCovariateStats(d, "AGE", NULL, &mean, &min, &max));
  PNLME_TEST_CHECK(mean == 40 && min == 30 && max == 50, "nomdv: AGE mean %g", (double)mean);
  PetscCall(DataTestFind(d, 1, &s, &has));
  if (has) {
    const Expect x[] = {{0, 100, 0, PNLME_EV_BOLUS}, {1, 0, 0, PNLME_EV_OBS}, {2, 0, 0, PNLME_EV_OBS}};
    PetscCall(CheckTimeline(&s, 3, x));
    PNLME_TEST_CHECK(s.nobs == 2 && s.cens && s.limit && s.cens[0] == 0 && s.cens[1] == 1 && PetscIsNanReal(s.limit[0]) && s.limit[1] == 0.1, "nomdv: ID 1 CENS/LIMIT");
    PNLME_TEST_CHECK(s.cov[0] == 70 && s.cov[1] == 1 && s.cov[2] == 0 && s.cov[3] == -10, "nomdv: ID 1 design row %g %g %g %g", (double)s.cov[0], (double)s.cov[1], (double)s.cov[2], (double)s.cov[3]);
    PNLME_TEST_CHECK(s.ev[1].cmt == 2 && s.obsout[0] == 0, "nomdv: observation CMT");
    PNLME_TEST_CHECK(s.line == 2, "nomdv: ID 1 starts at line 2");
  }
  PetscCall(DataTestFind(d, 2, &s, &has));
  if (has) {
    PNLME_TEST_CHECK(s.nobs == 1 && s.nev == 2 && s.line == 6, "nomdv: ID 2 (a DV '.' row without MDV is no observation)");
    PNLME_TEST_CHECK(s.cov[1] == 0 && s.cov[2] == 0 && s.cov[3] == 0, "nomdv: ID 2 is the reference level");
  }
  PetscCall(DataTestFind(d, 3, &s, &has));
  if (has) PNLME_TEST_CHECK(s.nobs == 1 && s.cens[0] == -1 && s.limit[0] == 20 && s.line == 9 && s.cov[2] == 1, "nomdv: ID 3 (written 3.0, last line without newline)");
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscBool flg;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", Dir, sizeof(Dir), &flg));
  PetscCheck(flg, PETSC_COMM_WORLD, PETSC_ERR_USER, "give -dir with the test files");
  PetscCall(AddlVsExplicit());
  PetscCall(Resets());
  PetscCall(SteadyState());
  PetscCall(OptionalColumns());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "data events: all checks passed\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "data timeline test", Run);
}
