/* Covariate design values and effect lists:
   - WT:log(70) gives log(WT/70) and AGE:center(40) gives AGE-40 (references as published models use them),
     while WT:log and AGE:center keep log(WT/mean) and AGE-mean bit for bit;
   - a categorical covariate's indicator columns (PnlmeDataGetCovariateColumns), and effect lists
     (PnlmeFitParseEffects, src/fit/interface/effects.c compiled into this program) that accept the covariate's own
     name (ka.RACE: every indicator), the indicators themselves (ke.RACE_3), and refuse unknown names with
     the nearest valid one. */
#include "datatest.h"
#include "fit/fitimpl.h"

static char Dir[PETSC_MAX_PATH_LEN];

static PetscErrorCode Load(const char covs[], PnlmeData *d)
{
  char path[2 * PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/covariates.csv", Dir));
  PetscCall(DataTestLoadChecked(path, covs, NULL, d));
  PetscFunctionReturn(0);
}

static const struct {
  PetscInt64 id;
  PetscReal  wt, age, race;
} Subjects[] = {
  {1, 50, 30,   1},
  {2, 70, 40,   2},
  {3, 100, 55.5, 3},
  {4, 80, 35,   2}
};

static PetscErrorCode Names(PnlmeData d, PetscInt n, const char *const want[])
{
  PetscInt           ncov;
  const char *const *names;
  PetscFunctionBegin;
  PetscCall(PnlmeDataGetCovariateNames(d, &ncov, &names));
  PNLME_TEST_CHECK(ncov == n, "%d design columns, expected %d", (int)ncov, (int)n);
  for (PetscInt j = 0; j < n; j++) PNLME_TEST_CHECK(!strcmp(names[j], want[j]), "design column %d is %s, expected %s", (int)j, names[j], want[j]);
  PetscFunctionReturn(0);
}

/* explicit references, and the mean without them */
static PetscErrorCode References(void)
{
  PnlmeData    d;
  PnlmeSubject s;
  PetscBool    has, given;
  PetscReal    mean, ref, agemean;

  PetscFunctionBegin;
  {
    const char *want[] = {"WT", "AGE", "RACE_2", "RACE_3"};
    PetscCall(Load("WT:log(70),AGE:center(40),RACE:cat", &d));
    PetscCall(Names(d, 4, want));
  }
  PetscCall(PnlmeDataGetCovariateStats(d, "WT", NULL, &mean, NULL, NULL));
  PNLME_TEST_CHECK(mean == 75, "WT mean %g, expected 75 (the mean does not depend on the reference)", (double)mean);
  PetscCall(PnlmeDataGetCovariateReference(d, "WT", &ref, &given));
  PNLME_TEST_CHECK(ref == 70 && given, "WT reference %g (given %d), expected 70", (double)ref, (int)given);
  PetscCall(PnlmeDataGetCovariateReference(d, "age", &ref, &given));
  PNLME_TEST_CHECK(ref == 40 && given, "AGE reference %g (given %d), expected 40", (double)ref, (int)given);
  for (size_t i = 0; i < sizeof(Subjects) / sizeof(Subjects[0]); i++) {
    PetscCall(DataTestFind(d, Subjects[i].id, &s, &has));
    if (!has) continue;
    PNLME_TEST_CHECK(s.cov[0] == PetscLogReal(Subjects[i].wt / 70), "ID %d: WT column %.17g, expected log(%g/70) = %.17g", (int)s.id, (double)s.cov[0], (double)Subjects[i].wt, (double)PetscLogReal(Subjects[i].wt / 70));
    PNLME_TEST_CHECK(s.cov[1] == Subjects[i].age - 40, "ID %d: AGE column %.17g, expected %g - 40", (int)s.id, (double)s.cov[1], (double)Subjects[i].age);
    PNLME_TEST_CHECK(s.cov[2] == (Subjects[i].race == 2) && s.cov[3] == (Subjects[i].race == 3), "ID %d: RACE indicators %g %g", (int)s.id, (double)s.cov[2], (double)s.cov[3]);
  }
  PetscCall(DataTestFind(d, 2, &s, &has));
  if (has) PNLME_TEST_CHECK(s.cov[0] == 0 && s.cov[1] == 0, "ID 2 is at the references: %g %g", (double)s.cov[0], (double)s.cov[1]);
  PetscCall(PnlmeDataView(d, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeDataDestroy(&d));

  /* without references: the mean over subjects, computed as before */
  PetscCall(Load("WT:log,AGE:centre,RACE:cat=2", &d));
  PetscCall(PnlmeDataGetCovariateStats(d, "WT", NULL, &mean, NULL, NULL));
  PetscCall(PnlmeDataGetCovariateStats(d, "AGE", NULL, &agemean, NULL, NULL));
  PNLME_TEST_CHECK(agemean == (30 + 40 + 55.5 + 35) / 4, "AGE mean %g", (double)agemean);
  PetscCall(PnlmeDataGetCovariateReference(d, "WT", &ref, &given));
  PNLME_TEST_CHECK(ref == mean && !given, "WT reference %g (given %d), expected the mean %g", (double)ref, (int)given, (double)mean);
  for (size_t i = 0; i < sizeof(Subjects) / sizeof(Subjects[0]); i++) {
    PetscCall(DataTestFind(d, Subjects[i].id, &s, &has));
    if (!has) continue;
    PNLME_TEST_CHECK(s.cov[0] == PetscLogReal(Subjects[i].wt / mean), "ID %d: WT column %.17g, expected log(%g/mean)", (int)s.id, (double)s.cov[0], (double)Subjects[i].wt);
    PNLME_TEST_CHECK(s.cov[1] == Subjects[i].age - agemean, "ID %d: AGE column %.17g, expected %g - mean", (int)s.id, (double)s.cov[1], (double)Subjects[i].age);
  }
  {
    const char *want[] = {"WT", "AGE", "RACE_1", "RACE_3"};
    PetscCall(Names(d, 4, want));
  }
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

/* parses list; returns the error message (or "") and the effects set, as "param.COLUMN" in mask order */
static PetscErrorCode Effects(PnlmeModel m, PnlmeData d, const char list[], char got[], size_t size, char msg[], size_t msize)
{
  PetscInt           p, ncov;
  const char *const *names;
  PetscBool         *mask;
  PetscErrorCode     ierr;

  PetscFunctionBegin;
  PetscCall(PnlmeModelGetNumParameters(m, &p));
  PetscCall(PnlmeDataGetCovariateNames(d, &ncov, &names));
  PetscCall(PetscCalloc1((ncov + 1) * p, &mask));
  got[0] = msg[0] = 0;
  ierr   = PnlmeFitParseEffects(m, d, "-fit_covariates", list, mask);
  if (ierr) {
    const char *text = NULL;
    char       *specific = NULL;
    PetscErrorMessage(ierr, &text, &specific);
    PetscCall(PetscStrncpy(msg, specific ? specific : "(no message)", msize));
  }
  for (PetscInt a = 0; a <= ncov; a++)
    for (PetscInt k = 0; k < p; k++)
      if (mask[a * p + k]) {
        const char *pname;
        size_t      n = strlen(got);
        PetscCall(PnlmeModelGetParameterName(m, k, &pname));
        PNLME_TEST_CHECK(a > 0, "an effect on the intercept row");
        PetscCall(PetscSNPrintf(got + n, size - n, "%s%s.%s", n ? "," : "", pname, names[a - 1]));
      }
  PetscCall(PetscFree(mask));
  PetscFunctionReturn(0);
}

static PetscErrorCode EffectLists(void)
{
  PnlmeData  d;
  PnlmeModel m;
  PetscInt   first, n;
  char       got[512], msg[1024];
  struct {
    const char *list, *effects, *error;
  } cases[] = {
    {"ka.RACE,V.WT",    "V.WT,ka.RACE_2,ka.RACE_3",                  NULL                                                                                       },
    {"ke.RACE_3",       "ke.RACE_3",                                 NULL                                                                                       },
    {"ka.RACE,ka.RACE_2", "ka.RACE_2,ka.RACE_3",                     NULL                                                                                       },
    {"ka.AGE, ke.RACE", "ka.AGE,ke.RACE_2,ke.RACE_3",                NULL                                                                                       },
    {"ka.RACEE",        "",                                          "option -fit_covariates: no covariate column 'RACEE' in the data (declare it with -data_covariates); did you mean 'RACE'?"},
    {"ka.race",         "",                                          "option -fit_covariates: no covariate column 'race' in the data (declare it with -data_covariates); did you mean 'RACE'?"},
    {"ka.RACE_4",       "",                                          "option -fit_covariates: no covariate column 'RACE_4' in the data (declare it with -data_covariates); did you mean 'RACE_2'?"},
    {"ka.HEIGHT",       "",                                          "option -fit_covariates: no covariate column 'HEIGHT' in the data (declare it with -data_covariates)"},
    {"ka.SEX",          "",                                          "option -fit_covariates: the categorical covariate 'SEX' has a single level in the data: it has no indicator column"},
  };

  PetscFunctionBegin;
  PetscCall(Load("WT:log(70),AGE:center(40),RACE:cat,SEX:cat", &d));
  PetscCall(PnlmeDataGetCovariateColumns(d, "RACE", &first, &n));
  PNLME_TEST_CHECK(first == 2 && n == 2, "RACE: columns %d..%d, expected 2..3", (int)first, (int)(first + n - 1));
  PetscCall(PnlmeDataGetCovariateColumns(d, "wt", &first, &n));
  PNLME_TEST_CHECK(first == 0 && n == 1, "WT: columns %d, %d", (int)first, (int)n);
  PetscCall(PnlmeDataGetCovariateColumns(d, "SEX", &first, &n));
  PNLME_TEST_CHECK(first == 4 && n == 0, "SEX (one level): columns %d, %d", (int)first, (int)n);
  PetscCall(PnlmeDataGetCovariateColumns(d, "HEIGHT", &first, &n));
  PNLME_TEST_CHECK(first == -1 && n == 0, "HEIGHT: columns %d, %d", (int)first, (int)n);
  PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &m));
  PetscCall(PnlmeModelSetType(m, "pk1_oral_ke"));
  PetscCall(PnlmeModelSetUp(m));
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    PetscCall(Effects(m, d, cases[i].list, got, sizeof(got), msg, sizeof(msg)));
    if (cases[i].error) PNLME_TEST_CHECK(!strcmp(msg, cases[i].error), "'%s': message\n  %s\nexpected\n  %s", cases[i].list, msg, cases[i].error);
    else {
      PNLME_TEST_CHECK(!msg[0], "'%s': unexpected error %s", cases[i].list, msg);
      PNLME_TEST_CHECK(!strcmp(got, cases[i].effects), "'%s': effects %s, expected %s", cases[i].list, got, cases[i].effects);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-20s -> %s\n", cases[i].list, cases[i].error ? msg : got));
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscCall(PnlmeDataDestroy(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscBool flg;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", Dir, sizeof(Dir), &flg));
  PetscCheck(flg, PETSC_COMM_WORLD, PETSC_ERR_USER, "give -dir with the test files");
  PetscCall(References());
  PetscCall(EffectLists());
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "data covariates: all checks passed\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "covariate design and effect list test", Run);
}
