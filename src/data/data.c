/* PnlmeData: lifecycle, options, queries, per-subject views and the summary. */
#include "data/dataimpl.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

PetscErrorCode PnlmeDataCreate(MPI_Comm comm, PnlmeData *data)
{
  PnlmeData d;

  PetscFunctionBegin;
  PetscValidPointer(data, 2);
  PetscCall(PnlmeInitialize());
  PetscCall(PetscHeaderCreate(d, PNLME_CLASSID, "PnlmeData", "NONMEM-style dataset", "Data", comm, PnlmeDataDestroy, PnlmeDataView));
  for (PetscInt s = 0; s < PNLME_NCOL_STD; s++) {
    PetscCall(PetscStrncpy(d->stdname[s], PnlmeDataStdColumns[s], PNLME_DATA_MAX_NAME));
    d->stdcol[s] = -1;
  }
  d->bufsize   = 4 << 20;
  d->maxevents = PNLME_DATA_MAX_EVENTS_DEFAULT;
  *data        = d;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataResetStorage(PnlmeData d)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(d->id));
  PetscCall(PetscFree(d->line));
  PetscCall(PetscFree(d->obsptr));
  PetscCall(PetscFree(d->evptr));
  PetscCall(PetscFree(d->tobs));
  PetscCall(PetscFree(d->dv));
  PetscCall(PetscFree(d->limit));
  PetscCall(PetscFree(d->obsout));
  PetscCall(PetscFree(d->cens));
  PetscCall(PetscFree(d->ev));
  for (PetscInt j = 0; j < d->ndesign; j++) PetscCall(PetscFree(d->designname[j]));
  PetscCall(PetscFree(d->designname));
  PetscCall(PetscFree(d->design));
  PetscCall(PetscFree2(d->partnsub, d->partcost));
  d->ndesign = 0;
  d->nsub    = 0;
  d->gstart = d->nglobal = d->ndropped = 0;
  d->loaded                            = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataDestroy(PnlmeData *data)
{
  PetscFunctionBegin;
  if (!*data) PetscFunctionReturn(0);
  PetscValidHeaderSpecific(*data, PNLME_CLASSID, 1);
  if (--((PetscObject)(*data))->refct > 0) {
    *data = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeDataResetStorage(*data));
  PetscCall(PetscFree((*data)->covspec));
  PetscCall(PetscFree((*data)->colname));
  PetscCall(PnlmeModelDestroy(&(*data)->model));
  PetscCall(PetscHeaderDestroy(data));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataSetFile(PnlmeData d, const char path[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  PetscCheck(path && strlen(path) < sizeof(d->file), PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "data file path empty or too long");
  PetscCall(PetscStrncpy(d->file, path, sizeof(d->file)));
  d->loaded = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataSetColumnName(PnlmeData d, const char standard[], const char infile[])
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  PetscCheck(infile && infile[0] && strlen(infile) < PNLME_DATA_MAX_NAME, PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "column name for %s is empty or too long", standard);
  for (PetscInt s = 0; s < PNLME_NCOL_STD; s++)
    if (!strcasecmp(standard, PnlmeDataStdColumns[s])) {
      PetscCall(PetscStrncpy(d->stdname[s], infile, PNLME_DATA_MAX_NAME));
      d->loaded = PETSC_FALSE;
      PetscFunctionReturn(0);
    }
  SETERRQ(PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "-data_columns: %s is not a standard column (ID, TIME, DV, AMT, EVID, MDV, CMT, RATE, II, ADDL, CENS, LIMIT, SS)", standard);
}

/* Two roles, or a role and a covariate, naming the same column would read one column twice (DV=TIME
   fits the times): refused before reading, the same on every rank. */
PetscErrorCode PnlmeDataCheckColumnRoles(PnlmeData d)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)d);

  PetscFunctionBegin;
  for (PetscInt s = 0; s < PNLME_NCOL_STD; s++) {
    PetscBool ms = (PetscBool)(strcasecmp(d->stdname[s], PnlmeDataStdColumns[s]) != 0); /* mapped by -data_columns */
    for (PetscInt t = s + 1; t < PNLME_NCOL_STD; t++) {
      PetscBool mt = (PetscBool)(strcasecmp(d->stdname[t], PnlmeDataStdColumns[t]) != 0);
      if (strcasecmp(d->stdname[s], d->stdname[t])) continue;
      /* name the mapped role first: DV=TIME gives "DV and TIME" */
      if (mt && !ms) SETERRQ(comm, PETSC_ERR_ARG_WRONG, "option -data_columns: %s and %s both name column %s", PnlmeDataStdColumns[t], PnlmeDataStdColumns[s], d->stdname[t]);
      SETERRQ(comm, PETSC_ERR_ARG_WRONG, "option -data_columns: %s and %s both name column %s", PnlmeDataStdColumns[s], PnlmeDataStdColumns[t], d->stdname[s]);
    }
    for (PetscInt c = 0; c < d->ncovspec; c++) {
      if (strcasecmp(d->stdname[s], d->covspec[c].name)) continue;
      if (ms) SETERRQ(comm, PETSC_ERR_ARG_WRONG, "option -data_columns: %s and the covariate %s (-data_covariates) both name column %s", PnlmeDataStdColumns[s], d->covspec[c].name, d->stdname[s]);
      SETERRQ(comm, PETSC_ERR_ARG_WRONG, "option -data_covariates: covariate %s names column %s, which is the %s column", d->covspec[c].name, d->stdname[s], PnlmeDataStdColumns[s]);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataSetModel(PnlmeData d, PnlmeModel model)
{
  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  if (model) PetscCall(PetscObjectReference((PetscObject)model));
  PetscCall(PnlmeModelDestroy(&d->model));
  d->model  = model;
  d->loaded = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static const char *const BLQNames[] = {"m3", "drop", NULL};
static const PnlmeOption DataOptions[] = {
  {"-data_file", PNLME_OPT_STRING, "", NULL, NULL, "NONMEM-style CSV data file (docs/data-format.md)"},
  {"-data_columns", PNLME_OPT_STRING, "", NULL, NULL, "Map standard columns to the file's names: DV=CONC,ID=SUBJ"},
  {"-data_covariates", PNLME_OPT_STRING, "", NULL, NULL, "Covariates and their treatment: WT:log,SEX:cat,AGE:center,X:none,RACE:cat=2,WT:log(70),AGE:center(40)"},
  {"-data_partition_view", PNLME_OPT_BOOL, "false", NULL, NULL, "Print the partition of subjects over ranks after loading"},
  {"-data_read_buffer", PNLME_OPT_INT, "4194304", "[64, 2147483647]", NULL, "Bytes read at a time by each rank"},
  {"-data_max_events", PNLME_OPT_INT, "10000000", "[0, 1000000000]", NULL, "Timeline entries that ADDL expansion may add to the whole file"},
  {"-data_observed_cmt", PNLME_OPT_INTARRAY, "all", "[0, 1000000]", NULL, "Keep only the observation rows with these CMT values (the others are read as MDV=1 rows): fits one output of a file with several (docs/data-format.md)"},
  {"-data_blq", PNLME_OPT_ENUM, "m3", NULL, BLQNames, "Censored observations (CENS = 1 below the limit in DV, -1 above; LIMIT the other end): m3, the probability of the interval in the likelihood; drop, left out (M1)"},
};

PetscErrorCode PnlmeDataRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("data", "Dataset (PnlmeData, docs/data-format.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(DataOptions), DataOptions));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataSetFromOptions(PnlmeData d)
{
  char        buf[4096];
  PetscBool   flg;
  PetscInt    bufsize = (PetscInt)d->bufsize, maxevents = (PetscInt)d->maxevents;
  PetscObject obj     = (PetscObject)d;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  PetscCall(PnlmeOptionsGetString(obj, "-data_file", buf, sizeof(buf), &flg));
  if (flg) PetscCall(PnlmeDataSetFile(d, buf));
  PetscCall(PnlmeOptionsGetString(obj, "-data_columns", buf, sizeof(buf), &flg));
  if (flg) {
    char *tok, *save = NULL;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      char *eq = strchr(tok, '=');
      while (*tok == ' ') tok++;
      PetscCheck(eq, PetscObjectComm((PetscObject)d), PETSC_ERR_ARG_WRONG, "-data_columns: '%s' is not of the form STANDARD=NAME", tok);
      *eq = 0;
      PetscCall(PnlmeDataSetColumnName(d, tok, eq + 1));
    }
  }
  PetscCall(PnlmeOptionsGetString(obj, "-data_covariates", buf, sizeof(buf), &flg));
  if (flg) PetscCall(PnlmeDataParseCovariateOption(d, buf));
  PetscCall(PnlmeOptionsGetBool(obj, "-data_partition_view", &d->partitionview, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-data_read_buffer", &bufsize, &flg));
  if (flg) d->bufsize = (size_t)bufsize;
  {
    PetscInt blq = d->blqdrop ? 1 : 0;
    PetscCall(PnlmeOptionsGetEnum(obj, "-data_blq", &blq, NULL));
    d->blqdrop = (PetscBool)(blq == 1);
  }
  PetscCall(PnlmeOptionsGetInt(obj, "-data_max_events", &maxevents, &flg));
  if (flg) d->maxevents = maxevents;
  {
    PetscInt n = (PetscInt)PETSC_STATIC_ARRAY_LENGTH(d->obscmt);
    PetscCall(PnlmeOptionsGetIntArray(obj, "-data_observed_cmt", d->obscmt, &n, &flg));
    if (flg) {
      d->nobscmt = n;
      d->loaded  = PETSC_FALSE;
    }
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- queries */
#define CHECK_LOADED(d) PetscCheck((d)->loaded, PETSC_COMM_SELF, PETSC_ERR_ORDER, "call PnlmeDataLoad() first")

PetscErrorCode PnlmeDataGetNumSubjects(PnlmeData d, PetscInt *nlocal, PetscInt64 *nglobal)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (nlocal) *nlocal = d->nsub;
  if (nglobal) *nglobal = d->nglobal;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetOwnershipRange(PnlmeData d, PetscInt64 *gstart, PetscInt64 *gend)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (gstart) *gstart = d->gstart;
  if (gend) *gend = d->gstart + d->nsub;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetNumObservations(PnlmeData d, PetscInt64 *nlocal, PetscInt64 *nglobal)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (nlocal) *nlocal = d->nobslocal;
  if (nglobal) *nglobal = d->nobsglobal;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetSubject(PnlmeData d, PetscInt i, PnlmeSubject *s)
{
  PetscInt64 o, e;

  PetscFunctionBegin;
  CHECK_LOADED(d);
  PetscCheck(i >= 0 && i < d->nsub, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "subject %" PetscInt_FMT " not in 0..%" PetscInt_FMT, i, d->nsub - 1);
  o         = d->obsptr[i];
  e         = d->evptr[i];
  s->id     = d->id[i];
  s->gindex = d->gstart + i;
  s->line   = d->line[i];
  s->nobs   = (PetscInt)(d->obsptr[i + 1] - o);
  s->tobs   = d->tobs + o;
  s->dv     = d->dv + o;
  s->obsout = d->obsout + o;
  s->cens   = d->cens ? d->cens + o : NULL;
  s->limit  = d->limit ? d->limit + o : NULL;
  s->nev    = (PetscInt)(d->evptr[i + 1] - e);
  s->ev     = d->ev + e;
  s->ncov   = d->ndesign;
  s->cov    = d->design + (size_t)i * d->ndesign;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetCovariateNames(PnlmeData d, PetscInt *ncov, const char *const **names)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (ncov) *ncov = d->ndesign;
  if (names) *names = (const char *const *)d->designname;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetCovariateStats(PnlmeData d, const char name[], PnlmeCovariateKind *kind, PetscReal *mean, PetscReal *min, PetscReal *max)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  for (PetscInt c = 0; c < d->ncovspec; c++)
    if (!strcasecmp(d->covspec[c].name, name)) {
      if (kind) *kind = d->covspec[c].kind;
      if (mean) *mean = d->covspec[c].mean;
      if (min) *min = d->covspec[c].min;
      if (max) *max = d->covspec[c].max;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s is not a covariate of this dataset", name);
}

PetscErrorCode PnlmeDataGetCovariateReference(PnlmeData d, const char name[], PetscReal *ref, PetscBool *given)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  for (PetscInt c = 0; c < d->ncovspec; c++)
    if (!strcasecmp(d->covspec[c].name, name)) {
      if (ref) *ref = d->covspec[c].hasrefvalue ? d->covspec[c].refvalue : d->covspec[c].mean;
      if (given) *given = d->covspec[c].hasrefvalue;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "%s is not a covariate of this dataset", name);
}

PetscErrorCode PnlmeDataGetCovariateColumns(PnlmeData d, const char name[], PetscInt *first, PetscInt *n)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  *first = -1;
  *n     = 0;
  for (PetscInt c = 0; c < d->ncovspec; c++)
    if (!strcasecmp(d->covspec[c].name, name)) {
      *first = d->covspec[c].design0;
      *n     = d->covspec[c].kind == PNLME_COV_CATEGORICAL ? PetscMax(d->covspec[c].nlevels - 1, 0) : 1;
      break;
    }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetMaxSizes(PnlmeData d, PetscInt *maxobs, PetscInt *maxev)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (maxobs) *maxobs = d->maxobs;
  if (maxev) *maxev = d->maxev;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataGetPartition(PnlmeData d, PetscInt *nranks, const PetscInt64 **nsub, const PetscInt64 **cost)
{
  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (nranks) *nranks = d->size;
  if (nsub) *nsub = d->partnsub;
  if (cost) *cost = d->partcost;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- viewing */
/* %g through the C library: PETSc's printf appends a '.' to integral %g values */
typedef struct {
  char s[32];
} Num;
static Num G(double x)
{
  Num n;
  snprintf(n.s, sizeof(n.s), "%g", x);
  return n;
}

static PetscErrorCode CostWeight(PnlmeData d, PetscReal *w)
{
  PetscFunctionBegin;
  *w = 1.0;
  if (d->model) PetscCall(PnlmeModelGetCostWeight(d->model, w));
  PetscFunctionReturn(0);
}

static void Imbalance(PnlmeData d, PetscReal *imb)
{
  PetscInt64 mx = 0, sum = 0;
  for (PetscMPIInt q = 0; q < d->size; q++) {
    mx = PetscMax(mx, d->partcost[q]);
    sum += d->partcost[q];
  }
  *imb = sum ? (PetscReal)mx * d->size / (PetscReal)sum : 1.0;
}

/* one line: subjects and cost per rank (all ranks up to 16, else the extremes) and the imbalance */
static PetscErrorCode ViewPartitionLine(PnlmeData d, PetscViewer v)
{
  PetscReal w, imb;

  PetscFunctionBegin;
  PetscCall(CostWeight(d, &w));
  Imbalance(d, &imb);
  PetscCall(PetscViewerASCIIPrintf(v, "partition over %d rank%s: ", (int)d->size, d->size > 1 ? "s" : ""));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
  if (d->size <= 16) {
    PetscCall(PetscViewerASCIIPrintf(v, "subjects"));
    for (PetscMPIInt q = 0; q < d->size; q++) PetscCall(PetscViewerASCIIPrintf(v, " %" PetscInt64_FMT, d->partnsub[q]));
    PetscCall(PetscViewerASCIIPrintf(v, ", cost"));
    for (PetscMPIInt q = 0; q < d->size; q++) PetscCall(PetscViewerASCIIPrintf(v, " %s", G((double)(w * (PetscReal)d->partcost[q])).s));
  } else {
    PetscInt64 smin = INT64_MAX, smax = 0, cmin = INT64_MAX, cmax = 0;
    for (PetscMPIInt q = 0; q < d->size; q++) {
      smin = PetscMin(smin, d->partnsub[q]);
      smax = PetscMax(smax, d->partnsub[q]);
      cmin = PetscMin(cmin, d->partcost[q]);
      cmax = PetscMax(cmax, d->partcost[q]);
    }
    PetscCall(PetscViewerASCIIPrintf(v, "subjects %" PetscInt64_FMT " to %" PetscInt64_FMT " per rank, cost %s to %s", smin, smax, G((double)(w * (PetscReal)cmin)).s, G((double)(w * (PetscReal)cmax)).s));
  }
  PetscCall(PetscViewerASCIIPrintf(v, ", imbalance max/mean %.3f\n", (double)imb));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeDataViewPartition(PnlmeData d, PetscViewer v)
{
  PetscReal w, imb;
  PetscInt64 g = 0;

  PetscFunctionBegin;
  CHECK_LOADED(d);
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)d), &v));
  PetscCall(CostWeight(d, &w));
  Imbalance(d, &imb);
  PetscCall(PetscViewerASCIIPrintf(v, "Data partition of %s over %d rank%s (cost = (observations + doses + 1) x %s):\n", d->file, (int)d->size, d->size > 1 ? "s" : "", G((double)w).s));
  PetscCall(PetscViewerASCIIPushTab(v));
  for (PetscMPIInt q = 0; q < d->size; q++) {
    PetscCall(PetscViewerASCIIPrintf(v, "[%d] subjects %" PetscInt64_FMT " (global %" PetscInt64_FMT " to %" PetscInt64_FMT "), cost %s\n", (int)q, d->partnsub[q], g, g + d->partnsub[q] - 1, G((double)(w * (PetscReal)d->partcost[q])).s));
    g += d->partnsub[q];
  }
  PetscCall(PetscViewerASCIIPrintf(v, "imbalance max/mean %.3f\n", (double)imb));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

static const char *KindName(PnlmeCovariateKind k)
{
  return PnlmeCovariateKinds[k];
}

PetscErrorCode PnlmeDataView(PnlmeData d, PetscViewer v)
{
  PetscBool iascii;

  PetscFunctionBegin;
  PetscValidHeaderSpecific(d, PNLME_CLASSID, 1);
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)d), &v));
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  if (!d->loaded) {
    PetscCall(PetscViewerASCIIPrintf(v, "Data file %s (not loaded)\n", d->file[0] ? d->file : "(none)"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "Data file %s\n", d->file));
  PetscCall(PetscViewerASCIIPushTab(v));
  if (d->ndropped) PetscCall(PetscViewerASCIIPrintf(v, "subjects: %" PetscInt64_FMT " (%" PetscInt64_FMT " without observations dropped, first ID %" PetscInt64_FMT ")\n", d->nglobal, d->ndropped, d->dropfirstid));
  else PetscCall(PetscViewerASCIIPrintf(v, "subjects: %" PetscInt64_FMT "\n", d->nglobal));
  PetscCall(PetscViewerASCIIPrintf(v, "rows: %" PetscInt64_FMT ", observations: %" PetscInt64_FMT " (at most %" PetscInt_FMT " per subject)\n", d->nrows, d->nobsglobal, d->maxobs));
  if (d->nobscmt > 0) {
    PetscCall(PetscViewerASCIIPrintf(v, "observation rows of other compartments than CMT"));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    for (PetscInt c = 0; c < d->nobscmt; c++) PetscCall(PetscViewerASCIIPrintf(v, "%s%" PetscInt_FMT, c ? "," : " ", d->obscmt[c]));
    PetscCall(PetscViewerASCIIPrintf(v, " left out (-data_observed_cmt): %" PetscInt64_FMT "\n", d->nobsignored));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "dose records: %" PetscInt64_FMT " (%" PetscInt64_FMT " doses with ADDL expanded, %" PetscInt64_FMT " infusions), resets: %" PetscInt64_FMT "\n", d->ndoserec, d->ndoseexp, d->ninfusion, d->nreset));
  if (d->nss) PetscCall(PetscViewerASCIIPrintf(v, "steady-state doses (SS 1, 2): %" PetscInt64_FMT "\n", d->nss));
  PetscCall(PetscViewerASCIIPrintf(v, "time range: %s to %s\n", G((double)d->tmin).s, G((double)d->tmax).s));
  if (d->ncovspec) {
    PetscCall(PetscViewerASCIIPrintf(v, "covariates (over subjects):\n"));
    PetscCall(PetscViewerASCIIPushTab(v));
    for (PetscInt c = 0; c < d->ncovspec; c++) {
      PnlmeCovSpec *cs = &d->covspec[c];
      if (cs->kind != PNLME_COV_CATEGORICAL) {
        char kind[64];
        if (cs->hasrefvalue) snprintf(kind, sizeof(kind), "%s(%s)", KindName(cs->kind), G((double)cs->refvalue).s); /* log(70): log(x/70) */
        else snprintf(kind, sizeof(kind), "%s", KindName(cs->kind));
        PetscCall(PetscViewerASCIIPrintf(v, "%s (%s): mean %s, min %s, max %s\n", cs->name, kind, G((double)cs->mean).s, G((double)cs->min).s, G((double)cs->max).s));
      } else {
        PetscCall(PetscViewerASCIIPrintf(v, "%s (cat, reference %s): %" PetscInt_FMT " levels:", cs->name, G(cs->nlevels ? (double)cs->levels[cs->iref] : 0.0).s, cs->nlevels));
        PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
        for (PetscInt k = 0; k < cs->nlevels; k++) PetscCall(PetscViewerASCIIPrintf(v, " %s (%" PetscInt64_FMT ")", G((double)cs->levels[k]).s, cs->count[k]));
        PetscCall(PetscViewerASCIIPrintf(v, "\n"));
        PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
      }
    }
    PetscCall(PetscViewerASCIIPopTab(v));
    PetscCall(PetscViewerASCIIPrintf(v, "design columns (%" PetscInt_FMT "):", d->ndesign));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    for (PetscInt j = 0; j < d->ndesign; j++) PetscCall(PetscViewerASCIIPrintf(v, " %s", d->designname[j]));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  }
  if (d->model) {
    const char *name;
    PetscCall(PnlmeModelGetType(d->model, &name));
    PetscCall(PetscViewerASCIIPrintf(v, "checked against model %s\n", name));
  }
  PetscCall(ViewPartitionLine(d, v));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}
