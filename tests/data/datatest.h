/* Helpers of the data tests: loading with options, comparing a parallel load with a serial one, checksums. */
#pragma once
#include <pnlmetest.h>
#include <string.h>

/* Loads `file` on comm; covs/cols are -data_covariates / -data_columns values (or NULL). */
static inline PetscErrorCode DataTestLoad(MPI_Comm comm, const char file[], const char covs[], const char cols[], PnlmeModel model, PnlmeData *d)
{
  PetscFunctionBegin;
  PetscCall(PnlmeDataCreate(comm, d));
  PetscCall(PnlmeDataSetFile(*d, file));
  PetscCall(PetscOptionsClearValue(NULL, "-data_covariates"));
  PetscCall(PetscOptionsClearValue(NULL, "-data_columns"));
  if (covs) PetscCall(PetscOptionsSetValue(NULL, "-data_covariates", covs));
  if (cols) PetscCall(PetscOptionsSetValue(NULL, "-data_columns", cols));
  PetscCall(PnlmeDataSetFromOptions(*d));
  PetscCall(PetscOptionsClearValue(NULL, "-data_covariates"));
  PetscCall(PetscOptionsClearValue(NULL, "-data_columns"));
  if (model) PetscCall(PnlmeDataSetModel(*d, model));
  PetscCall(PnlmeDataLoad(*d));
  PetscFunctionReturn(0);
}

static inline PetscBool DataTestSameReal(PetscReal a, PetscReal b)
{
  return (PetscBool)(a == b || (PetscIsNanReal(a) && PetscIsNanReal(b)));
}

/* every local subject of par is identical to the subject of the same global index in ser */
static inline PetscErrorCode DataTestCompare(PnlmeData par, PnlmeData ser)
{
  PetscInt     n, ns;
  PetscInt64   gs, ge, N, Ns;
  PnlmeSubject a, b;

  PetscFunctionBegin;
  PetscCall(PnlmeDataGetNumSubjects(par, &n, &N));
  PetscCall(PnlmeDataGetNumSubjects(ser, &ns, &Ns));
  PNLME_TEST_CHECK(N == Ns && ns == Ns, "parallel load has %" PetscInt64_FMT " subjects, serial %" PetscInt64_FMT, N, Ns);
  PetscCall(PnlmeDataGetOwnershipRange(par, &gs, &ge));
  PNLME_TEST_CHECK(ge - gs == n, "ownership range does not match the local count");
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PnlmeDataGetSubject(par, i, &a));
    PNLME_TEST_CHECK(a.gindex == gs + i, "subject %d has global index %" PetscInt64_FMT ", expected %" PetscInt64_FMT, (int)i, a.gindex, gs + i);
    PetscCall(PnlmeDataGetSubject(ser, (PetscInt)a.gindex, &b));
    PNLME_TEST_CHECK(a.id == b.id && a.gindex == b.gindex && a.line == b.line, "subject %" PetscInt64_FMT ": ID/line differ (%" PetscInt64_FMT "/%" PetscInt64_FMT " vs %" PetscInt64_FMT "/%" PetscInt64_FMT ")", a.gindex, a.id, a.line, b.id, b.line);
    PNLME_TEST_CHECK(a.nobs == b.nobs && a.nev == b.nev && a.ncov == b.ncov, "ID %" PetscInt64_FMT ": sizes differ", a.id);
    PNLME_TEST_CHECK(!a.cens == !b.cens && !a.limit == !b.limit, "ID %" PetscInt64_FMT ": CENS/LIMIT presence differs", a.id);
    for (PetscInt j = 0; j < a.nobs; j++) {
      PNLME_TEST_CHECK(a.tobs[j] == b.tobs[j] && a.dv[j] == b.dv[j] && a.obsout[j] == b.obsout[j], "ID %" PetscInt64_FMT ": observation %d differs", a.id, (int)j);
      if (a.cens) PNLME_TEST_CHECK(a.cens[j] == b.cens[j], "ID %" PetscInt64_FMT ": CENS differs", a.id);
      if (a.limit) PNLME_TEST_CHECK(DataTestSameReal(a.limit[j], b.limit[j]), "ID %" PetscInt64_FMT ": LIMIT differs", a.id);
    }
    for (PetscInt e = 0; e < a.nev; e++) {
      const PnlmeEvent *x = &a.ev[e], *y = &b.ev[e];
      PNLME_TEST_CHECK(x->time == y->time && x->amount == y->amount && x->duration == y->duration && x->type == y->type && x->cmt == y->cmt && x->index == y->index, "ID %" PetscInt64_FMT ": event %d differs", a.id, (int)e);
    }
    for (PetscInt c = 0; c < a.ncov; c++) PNLME_TEST_CHECK(a.cov[c] == b.cov[c], "ID %" PetscInt64_FMT ": covariate %d differs", a.id, (int)c);
  }
  PetscFunctionReturn(0);
}

/* an exact checksum of everything the ranks hold (the same at any number of ranks) */
static inline PetscErrorCode DataTestChecksum(PnlmeData d, PetscReal *sum)
{
  PnlmeExactSum s;
  PnlmeSubject  a;
  PetscInt      n;

  PetscFunctionBegin;
  PnlmeExactSumReset(&s, 1);
  PetscCall(PnlmeDataGetNumSubjects(d, &n, NULL));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal w;
    PetscCall(PnlmeDataGetSubject(d, i, &a));
    w = 1.0 + 1e-3 * (PetscReal)a.gindex;
    PnlmeExactSumAdd(&s, w * ((PetscReal)a.id + 1e-2 * (PetscReal)a.line));
    for (PetscInt j = 0; j < a.nobs; j++) PnlmeExactSumAdd(&s, w * (1.5 * a.tobs[j] + 0.7 * a.dv[j] + 0.1 * a.obsout[j] + 0.01 * j));
    for (PetscInt e = 0; e < a.nev; e++) PnlmeExactSumAdd(&s, w * (0.3 * a.ev[e].time + 0.11 * a.ev[e].amount + 0.13 * a.ev[e].duration + a.ev[e].type + 0.5 * a.ev[e].cmt + 0.01 * a.ev[e].index + 1e-4 * e));
    for (PetscInt c = 0; c < a.ncov; c++) PnlmeExactSumAdd(&s, w * 0.9 * (c + 1) * a.cov[c]);
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)d), 1, &s));
  *sum = PnlmeExactSumValue(&s);
  PetscFunctionReturn(0);
}

/* loads file in parallel and serially, compares, prints the checksum */
static inline PetscErrorCode DataTestLoadChecked(const char file[], const char covs[], const char cols[], PnlmeData *d)
{
  PnlmeData ser;
  PetscReal sum = 0;

  PetscFunctionBegin;
  PetscCall(DataTestLoad(PETSC_COMM_WORLD, file, covs, cols, NULL, d));
  PetscCall(DataTestLoad(PETSC_COMM_SELF, file, covs, cols, NULL, &ser));
  PetscCall(DataTestCompare(*d, ser));
  PetscCall(PnlmeDataDestroy(&ser));
  PetscCall(DataTestChecksum(*d, &sum));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s: checksum %.17g (identical to the serial load)\n", file, (double)sum));
  PetscFunctionReturn(0);
}

/* the local subject with this ID, or NULL */
static inline PetscErrorCode DataTestFind(PnlmeData d, PetscInt64 id, PnlmeSubject *s, PetscBool *found)
{
  PetscInt n;
  PetscFunctionBegin;
  *found = PETSC_FALSE;
  PetscCall(PnlmeDataGetNumSubjects(d, &n, NULL));
  for (PetscInt i = 0; i < n && !*found; i++) {
    PetscCall(PnlmeDataGetSubject(d, i, s));
    if (s->id == id) *found = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}
