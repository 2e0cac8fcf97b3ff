/* Covariates: the -data_covariates option, statistics over subjects, levels, transforms, design columns. */
#include "data/dataimpl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const PnlmeCovariateKinds[] = {"log", "center", "none", "cat", "PnlmeCovariateKind", "PNLME_COV_", NULL};

PetscErrorCode PnlmeDataAddCovariate(PnlmeData d, const char name[], PnlmeCovariateKind kind, const char reflevel[])
{
  PnlmeCovSpec *cs;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  PetscCheck(name && name[0] && strlen(name) < PNLME_DATA_MAX_NAME, PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "covariate name '%s' is empty or too long", name ? name : "");
  PetscCheck(kind >= PNLME_COV_LOG && kind <= PNLME_COV_CATEGORICAL, PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_OUTOFRANGE, "unknown covariate treatment %d", (int)kind);
  PetscCheck(!reflevel || !reflevel[0] || kind == PNLME_COV_CATEGORICAL, PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "covariate %s: a reference level is only for categorical covariates (cat=LEVEL)", name);
  for (PetscInt c = 0; c < d->ncovspec; c++) PetscCheck(strcasecmp(d->covspec[c].name, name), PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "covariate %s is given twice", name);
  PetscCall(PetscRealloc((size_t)(d->ncovspec + 1) * sizeof(PnlmeCovSpec), &d->covspec));
  cs = &d->covspec[d->ncovspec++];
  PetscCall(PetscMemzero(cs, sizeof(*cs)));
  PetscCall(PetscStrncpy(cs->name, name, sizeof(cs->name)));
  cs->kind = kind;
  cs->col  = -1;
  if (reflevel) PetscCall(PetscStrncpy(cs->ref, reflevel, sizeof(cs->ref)));
  if (cs->ref[0]) {
    char  *end;
    double v = strtod(cs->ref, &end);
    PetscCheck(end != cs->ref && !*end && isfinite(v), PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "covariate %s: reference level '%s' is not a number", name, cs->ref);
  }
  d->loaded = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataSetCovariateReference(PnlmeData d, const char name[], PetscReal value)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)d);

  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  for (PetscInt c = 0; c < d->ncovspec; c++) {
    PnlmeCovSpec *cs = &d->covspec[c];
    if (strcasecmp(cs->name, name)) continue;
    PetscCheck(cs->kind == PNLME_COV_LOG || cs->kind == PNLME_COV_CENTER, comm, PETSC_ERR_ARG_WRONG, "covariate %s: only log and center take a reference value", name);
    PetscCheck(isfinite(value), comm, PETSC_ERR_ARG_WRONG, "covariate %s: the reference value %g is not a finite number", name, (double)value);
    PetscCheck(cs->kind != PNLME_COV_LOG || value > 0, comm, PETSC_ERR_ARG_WRONG, "covariate %s: the reference value of log must be positive, got %g", name, (double)value);
    cs->hasrefvalue = PETSC_TRUE;
    cs->refvalue    = value;
    d->loaded       = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  SETERRQ(comm, PETSC_ERR_ARG_WRONG, "%s is not a covariate (add it first)", name);
}

/* "WT:log,SEX:cat,AGE:center,X:none,RACE:cat=2,WT:log(70),AGE:center(40)"; a name alone means none */
PetscErrorCode PnlmeDataParseCovariateOption(PnlmeData d, const char str[])
{
  char     buf[4096], *tok, *save = NULL;
  MPI_Comm comm = PetscObjectComm((PetscObject)d);

  PetscFunctionBegin;
  PetscCheck(strlen(str) < sizeof(buf), comm, PETSC_ERR_ARG_WRONG, "-data_covariates: value too long");
  PetscCall(PetscStrncpy(buf, str, sizeof(buf)));
  PetscCall(PetscFree(d->covspec));
  d->ncovspec = 0;
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char              *colon, *eq = NULL, *kind = NULL, *refv = NULL, item[256];
    PnlmeCovariateKind k = PNLME_COV_NONE;
    PetscReal          ref = 0;
    while (*tok == ' ') tok++;
    PetscCall(PetscStrncpy(item, tok, sizeof(item))); /* for messages */
    colon = strchr(tok, ':');
    if (colon) {
      char *open;
      *colon = 0;
      kind   = colon + 1;
      eq     = strchr(kind, '=');
      if (eq) *eq++ = 0;
      open = strchr(kind, '(');
      if (open) { /* log(70), center(40): an explicit reference instead of the mean */
        char          *close = strchr(open, ')');
        PnlmeField     f;
        PnlmeNumStatus st;
        PetscCheck(close && !close[1] && !eq, comm, PETSC_ERR_ARG_WRONG, "option -data_covariates: '%s' is not of the form NAME:log(VALUE) or NAME:center(VALUE)", item);
        *open  = 0;
        *close = 0;
        refv   = open + 1;
        f.p    = refv;
        f.n    = strlen(refv);
        st     = PnlmeCSVParseReal(&f, &ref);
        PetscCheck(st != PNLME_NUM_MISSING, comm, PETSC_ERR_ARG_WRONG, "option -data_covariates: %s: empty reference value in parentheses", item);
        PetscCheck(st == PNLME_NUM_OK, comm, PETSC_ERR_ARG_WRONG, "option -data_covariates: %s: the reference value '%s' is not a finite decimal number", item, refv);
      }
      if (!strcasecmp(kind, "log")) k = PNLME_COV_LOG;
      else if (!strcasecmp(kind, "center") || !strcasecmp(kind, "centre")) k = PNLME_COV_CENTER;
      else if (!strcasecmp(kind, "none")) k = PNLME_COV_NONE;
      else if (!strcasecmp(kind, "cat") || !strcasecmp(kind, "categorical")) k = PNLME_COV_CATEGORICAL;
      else SETERRQ(comm, PETSC_ERR_ARG_WRONG, "-data_covariates: unknown treatment '%s' of %s (log, center, none, cat or cat=LEVEL)", kind, tok);
      PetscCheck(!eq || k == PNLME_COV_CATEGORICAL, comm, PETSC_ERR_ARG_WRONG, "-data_covariates: only cat takes a reference level (%s:%s=%s)", tok, kind, eq);
      PetscCheck(!eq || eq[0], comm, PETSC_ERR_ARG_WRONG, "-data_covariates: empty reference level for %s", tok);
      PetscCheck(!refv || k == PNLME_COV_LOG || k == PNLME_COV_CENTER, comm, PETSC_ERR_ARG_WRONG, "option -data_covariates: %s: only log and center take a reference value in parentheses", item);
      PetscCheck(!refv || k != PNLME_COV_LOG || ref > 0, comm, PETSC_ERR_ARG_WRONG, "option -data_covariates: %s: the reference value of log must be positive (log(%s/%s) is not defined)", item, tok, refv);
    }
    PetscCheck(tok[0], comm, PETSC_ERR_ARG_WRONG, "-data_covariates: empty covariate name in '%s'", str);
    PetscCall(PnlmeDataAddCovariate(d, tok, k, eq));
    if (refv) PetscCall(PnlmeDataSetCovariateReference(d, tok, ref));
  }
  PetscFunctionReturn(0);
}

/* insert x into the sorted set lv[0..*n) of at most max+1 values; returns the count */
static void LevelInsert(PetscReal lv[], PetscInt *n, PetscInt max, PetscReal x)
{
  PetscInt lo = 0, hi = *n;
  while (lo < hi) {
    PetscInt mid = (lo + hi) / 2;
    if (lv[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo < *n && lv[lo] == x) return;
  if (*n > max) return; /* already too many: keep the count at max+1 */
  for (PetscInt k = *n; k > lo; k--) lv[k] = lv[k - 1];
  lv[lo] = x;
  (*n)++;
}

PetscErrorCode PnlmeDataCovariatesFinish(PnlmeData d, const PetscReal *raw, PnlmeDeferredError *err)
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)d);
  PetscMPIInt    size;
  const PetscInt ncs = d->ncovspec, n = d->nsub;
  PnlmeExactSum *sums;
  PetscReal     *mm, *mmg;
  PetscInt       nd = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (!ncs) PetscFunctionReturn(0);
  /* mean, min, max over subjects (one value per subject): exact, so the same at any number of ranks */
  PetscCall(PetscMalloc3(ncs, &sums, 2 * ncs, &mm, 2 * ncs, &mmg));
  PnlmeExactSumReset(sums, ncs);
  for (PetscInt c = 0; c < ncs; c++) {
    mm[2 * c]     = -PETSC_MAX_REAL; /* max of -v: -min */
    mm[2 * c + 1] = -PETSC_MAX_REAL;
  }
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt c = 0; c < ncs; c++) {
      PetscReal v = raw[(size_t)i * ncs + c];
      PnlmeExactSumAdd(&sums[c], v);
      mm[2 * c]     = PetscMax(mm[2 * c], -v);
      mm[2 * c + 1] = PetscMax(mm[2 * c + 1], v);
    }
  PetscCall(PnlmeExactSumAllreduce(comm, ncs, sums));
  PetscCallMPI(MPI_Allreduce(mm, mmg, 2 * ncs, MPIU_REAL, MPI_MAX, comm));
  for (PetscInt c = 0; c < ncs; c++) {
    PnlmeCovSpec *cs = &d->covspec[c];
    cs->mean         = d->nglobal ? PnlmeExactSumValue(&sums[c]) / (PetscReal)d->nglobal : 0;
    cs->min          = d->nglobal ? -mmg[2 * c] : 0;
    cs->max          = d->nglobal ? mmg[2 * c + 1] : 0;
  }
  PetscCall(PetscFree3(sums, mm, mmg));

  /* categorical levels: local sets of at most 65 values, gathered and merged */
  for (PetscInt c = 0; c < ncs; c++) {
    PnlmeCovSpec *cs = &d->covspec[c];
    const char   *name = d->colname[cs->col];
    PetscReal     lv[PNLME_DATA_MAX_LEVELS + 1], *all;
    PetscInt      nl = 0, blk = PNLME_DATA_MAX_LEVELS + 2;
    PetscInt64    cnt[PNLME_DATA_MAX_LEVELS];
    if (cs->kind != PNLME_COV_CATEGORICAL) {
      cs->design0 = nd;
      nd += 1;
      continue;
    }
    for (PetscInt i = 0; i < n; i++) LevelInsert(lv, &nl, PNLME_DATA_MAX_LEVELS, raw[(size_t)i * ncs + c]);
    PetscCall(PetscMalloc1((size_t)blk * (size_t)(size + 1), &all));
    all[(size_t)blk * size] = (PetscReal)nl;
    for (PetscInt k = 0; k < nl; k++) all[(size_t)blk * size + 1 + k] = lv[k];
    PetscCallMPI(MPI_Allgather(all + (size_t)blk * size, (PetscMPIInt)blk, MPIU_REAL, all, (PetscMPIInt)blk, MPIU_REAL, comm));
    nl = 0;
    for (PetscMPIInt q = 0; q < size; q++) {
      PetscInt m = (PetscInt)all[(size_t)blk * q];
      for (PetscInt k = 0; k < m; k++) LevelInsert(lv, &nl, PNLME_DATA_MAX_LEVELS, all[(size_t)blk * q + 1 + k]);
    }
    PetscCall(PetscFree(all));
    cs->nlevels = 0;
    cs->design0 = nd;
    if (nl > PNLME_DATA_MAX_LEVELS) {
      PnlmeDeferredErrorSet(err, 4, "%s:1: column %s: more than %d levels for a categorical covariate", d->file, name, PNLME_DATA_MAX_LEVELS);
      continue;
    }
    cs->nlevels = nl;
    for (PetscInt k = 0; k < nl; k++) cs->levels[k] = lv[k];
    cs->iref = 0;
    if (cs->ref[0] && nl) {
      PetscReal r = strtod(cs->ref, NULL);
      cs->iref    = -1;
      for (PetscInt k = 0; k < nl; k++)
        if (cs->levels[k] == r) cs->iref = k;
      if (cs->iref < 0) {
        char   list[256] = "";
        size_t used      = 0;
        for (PetscInt k = 0; k < nl && used + 24 < sizeof(list); k++) used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%g", k ? ", " : "", (double)cs->levels[k]);
        PnlmeDeferredErrorSet(err, 4, "%s:1: column %s: reference level %s is not one of the levels (%s)", d->file, name, cs->ref, list);
        cs->iref = 0;
      }
    }
    PetscCall(PetscArrayzero(cnt, PNLME_DATA_MAX_LEVELS));
    for (PetscInt i = 0; i < n; i++) {
      PetscReal v = raw[(size_t)i * ncs + c];
      for (PetscInt k = 0; k < nl; k++)
        if (cs->levels[k] == v) {
          cnt[k]++;
          break;
        }
    }
    PetscCallMPI(MPI_Allreduce(cnt, cs->count, (PetscMPIInt)PetscMax(nl, 1), MPIU_INT64, MPI_SUM, comm));
    nd += PetscMax(nl - 1, 0);
  }

  /* design columns: names, then one row per subject */
  d->ndesign = nd;
  PetscCall(PetscMalloc1(PetscMax(nd, 1), &d->designname));
  for (PetscInt c = 0; c < ncs; c++) {
    PnlmeCovSpec *cs = &d->covspec[c];
    if (cs->kind != PNLME_COV_CATEGORICAL) PetscCall(PetscStrallocpy(cs->name, &d->designname[cs->design0]));
    else
      for (PetscInt k = 0, j = cs->design0; k < cs->nlevels; k++) {
        char buf[2 * PNLME_DATA_MAX_NAME];
        if (k == cs->iref) continue;
        snprintf(buf, sizeof(buf), "%s_%g", cs->name, (double)cs->levels[k]);
        PetscCall(PetscStrallocpy(buf, &d->designname[j++]));
      }
  }
  {
    PetscBool ok;
    PetscCall(PnlmeDataTryGrow(0, PetscMax((size_t)n * nd, 1), sizeof(PetscReal), &d->design, &ok));
    if (!ok) {
      PnlmeDataOutOfMemory(d, err, "the design rows of the covariates", (double)n * (double)nd * sizeof(PetscReal));
      PetscFunctionReturn(0);
    }
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscReal *row = d->design + (size_t)i * nd;
    for (PetscInt c = 0; c < ncs; c++) {
      PnlmeCovSpec *cs = &d->covspec[c];
      PetscReal     v  = raw[(size_t)i * ncs + c];
      switch (cs->kind) {
      case PNLME_COV_LOG:
        row[cs->design0] = PetscLogReal(v / (cs->hasrefvalue ? cs->refvalue : cs->mean));
        break;
      case PNLME_COV_CENTER:
        row[cs->design0] = v - (cs->hasrefvalue ? cs->refvalue : cs->mean);
        break;
      case PNLME_COV_NONE:
        row[cs->design0] = v;
        break;
      case PNLME_COV_CATEGORICAL:
        for (PetscInt k = 0, j = cs->design0; k < cs->nlevels; k++) {
          if (k == cs->iref) continue;
          row[j++] = (v == cs->levels[k]) ? 1.0 : 0.0;
        }
        break;
      }
    }
  }
  PetscFunctionReturn(0);
}
