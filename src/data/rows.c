/* The header (column mapping) and one data row: parsing every used field and the row-level checks. */
#include "data/dataimpl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const PnlmeDataStdColumns[] = {"ID", "TIME", "DV", "AMT", "EVID", "MDV", "CMT", "RATE", "II", "ADDL", "CENS", "LIMIT", "SS"};

#define IDMAX 9007199254740992LL /* 2^53: IDs are integers whose exact value is at most this in magnitude */

const char *PnlmeDataFileName(PnlmeData d)
{
  return d->file;
}

/* "ID, TIME, CONC, ..." for messages */
static void ColumnList(PnlmeData d, char buf[], size_t size)
{
  buf[0] = 0;
  for (PetscInt i = 0; i < d->ncol; i++) {
    size_t n = strlen(buf);
    if (n + strlen(d->colname[i]) + 6 >= size) {
      if (n + 4 < size) strcat(buf, "...");
      break;
    }
    if (i) strcat(buf, ", ");
    strcat(buf, d->colname[i]);
  }
}

/* index of a column by name, case-insensitive; -1 if none, -2 if more than one */
static PetscInt FindColumn(PnlmeData d, const char name[])
{
  PetscInt found = -1;
  for (PetscInt i = 0; i < d->ncol; i++)
    if (!strcasecmp(d->colname[i], name)) found = (found == -1) ? i : -2;
  return found;
}

PetscErrorCode PnlmeDataReadHeader(PnlmeData d, int fd, PetscInt64 fsize, PetscInt64 *datastart, PnlmeDeferredError *err)
{
  PnlmeLineReader r;
  const char     *line;
  size_t          len;
  PetscInt64      off;
  PetscBool       got;
  PnlmeField     *f;
  PetscInt        n;
  char            found[400];
  PetscBool       ok;

  PetscFunctionBegin;
  *datastart = fsize;
  d->ncol    = 0;
  if (fsize == 0) {
    PnlmeDeferredErrorSet(err, 0, "%s:1: the file is empty (a header line naming the columns is required)", d->file);
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeLineReaderCreate(fd, fsize, 1 << 16, &r));
  PetscCall(PnlmeLineReaderSeek(&r, 0, 1, PETSC_FALSE));
  PetscCall(PnlmeLineReaderNext(&r, &line, &len, &off, &got));
  if (r.oom) {
    PnlmeDataOutOfMemory(d, err, "a buffer for the header line", (double)r.oombytes);
    PetscCall(PnlmeLineReaderDestroy(&r));
    PetscFunctionReturn(0);
  }
  if (r.ioerror || !got) {
    PnlmeDeferredErrorSet(err, 0, "%s: cannot read the file", d->file);
    PetscCall(PnlmeLineReaderDestroy(&r));
    PetscFunctionReturn(0);
  }
  *datastart = off + (PetscInt64)len + 1;
  if (*datastart > fsize) *datastart = fsize;
  if (len >= 3 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB && (unsigned char)line[2] == 0xBF) { /* UTF-8 byte order mark */
    line += 3;
    len -= 3;
  }
  if (PnlmeCSVIsBlank(line, len)) {
    PnlmeDeferredErrorSet(err, 0, "%s:1: the header line is empty (it must name the columns)", d->file);
    PetscCall(PnlmeLineReaderDestroy(&r));
    PetscFunctionReturn(0);
  }
  n = PnlmeCSVSplit(line, len, NULL, 0);
  PetscCall(PetscFree(d->colname));
  f = NULL;
  PetscCall(PnlmeDataTryGrow(0, (size_t)n, sizeof(*f), &f, &ok));
  if (ok) PetscCall(PnlmeDataTryGrow(0, (size_t)n, sizeof(*d->colname), &d->colname, &ok));
  if (!ok) {
    PnlmeDataOutOfMemory(d, err, "the names of the header's columns", (double)n * (double)(sizeof(*f) + sizeof(*d->colname)));
    PetscCall(PetscFree(f));
    PetscCall(PnlmeLineReaderDestroy(&r));
    PetscFunctionReturn(0);
  }
  PnlmeCSVSplit(line, len, f, n);
  for (PetscInt i = 0; i < n; i++) {
    size_t k = f[i].n < PNLME_DATA_MAX_NAME - 1 ? f[i].n : PNLME_DATA_MAX_NAME - 1;
    memcpy(d->colname[i], f[i].p, k);
    d->colname[i][k] = 0;
  }
  d->ncol = n;
  PetscCall(PetscFree(f));
  PetscCall(PnlmeLineReaderDestroy(&r));

  ColumnList(d, found, sizeof(found));
  for (PetscInt s = 0; s < PNLME_NCOL_STD; s++) {
    PetscInt c = FindColumn(d, d->stdname[s]);
    if (c == -2) PnlmeDeferredErrorSet(err, 4, "%s:1: column %s appears more than once in the header", d->file, d->stdname[s]);
    d->stdcol[s] = c < 0 ? -1 : c;
    if (c == -1 && s <= PNLME_COL_DV) {
      if (strcasecmp(d->stdname[s], PnlmeDataStdColumns[s]))
        PnlmeDeferredErrorSet(err, 4, "%s:1: required column %s (named %s by -data_columns) not found; the columns are: %s", d->file, PnlmeDataStdColumns[s], d->stdname[s], found);
      else PnlmeDeferredErrorSet(err, 4, "%s:1: required column %s not found; the columns are: %s", d->file, PnlmeDataStdColumns[s], found);
    }
  }
  for (PetscInt c = 0; c < d->ncovspec; c++) {
    PetscInt k = FindColumn(d, d->covspec[c].name);
    if (k == -2) PnlmeDeferredErrorSet(err, 4, "%s:1: column %s appears more than once in the header", d->file, d->covspec[c].name);
    if (k == -1) PnlmeDeferredErrorSet(err, 4, "%s:1: covariate %s given in -data_covariates is not a column; the columns are: %s", d->file, d->covspec[c].name, found);
    d->covspec[c].col = k;
  }
  PetscFunctionReturn(0);
}

static int CompareFieldJobs(const void *a, const void *b)
{
  const PnlmeFieldJob *x = (const PnlmeFieldJob *)a, *y = (const PnlmeFieldJob *)b;
  return x->col < y->col ? -1 : (x->col > y->col ? 1 : 0);
}

/* The fields to parse, in the order of the columns (so the leftmost problem of a row is the one reported).
   The scan needs only what classifies rows: ID, DV, AMT, EVID, MDV, RATE, ADDL, SS (and CMT with
   -data_observed_cmt). */
PetscErrorCode PnlmeRowParserCreate(PnlmeData d, PetscBool full, PnlmeRowParser *p, PetscBool *ok)
{
  static const PetscBool scanneeds[PNLME_NCOL_STD] = {PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_TRUE};

  PetscFunctionBegin;
  PetscCall(PetscMemzero(p, sizeof(*p)));
  p->d    = d;
  p->full = full;
  PetscCall(PetscMalloc1(PNLME_NCOL_STD + d->ncovspec, &p->job));
  for (PetscInt s = 0; s < PNLME_NCOL_STD; s++)
    /* -data_observed_cmt: CMT, -data_blq drop: CENS decide what is an observation */
    if (d->stdcol[s] >= 0 && (full || scanneeds[s] || (s == PNLME_COL_CMT && d->nobscmt > 0) || (s == PNLME_COL_CENS && d->blqdrop))) {
      p->job[p->njob].col  = d->stdcol[s];
      p->job[p->njob].what = s;
      p->njob++;
    }
  if (full)
    for (PetscInt c = 0; c < d->ncovspec; c++) {
      p->job[p->njob].col  = d->covspec[c].col;
      p->job[p->njob].what = PNLME_NCOL_STD + c;
      p->njob++;
    }
  qsort(p->job, (size_t)p->njob, sizeof(PnlmeFieldJob), CompareFieldJobs);
  p->maxf = d->ncol;
  PetscCall(PnlmeDataTryGrow(0, (size_t)p->maxf, sizeof(*p->f), &p->f, ok));
  if (!*ok) {
    PetscCall(PetscFree(p->job));
    PetscFunctionReturn(0);
  }
  if (d->model) {
    PetscCall(PnlmeModelGetType(d->model, &p->modelname));
    PetscCall(PnlmeModelGetNumOutputs(d->model, &p->nout));
    for (PetscInt i = 0; i < p->nout && p->nout > 1; i++) {
      const char *name;
      PetscInt    cmt;
      size_t      len = strlen(p->outputs);
      PetscCall(PnlmeModelGetOutputName(d->model, i, &name));
      PetscCall(PnlmeModelGetOutputCompartment(d->model, i, &cmt));
      snprintf(p->outputs + len, sizeof(p->outputs) - len, "%s%s on CMT %" PetscInt_FMT, i ? ", " : "", name, cmt);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeRowParserDestroy(PnlmeRowParser *p)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(p->job));
  PetscCall(PetscFree(p->f));
  PetscFunctionReturn(0);
}

#define ROWERR(...) \
  do { \
    if (report) PnlmeDeferredErrorSet(err, L * 4, __VA_ARGS__); \
    ok = PETSC_FALSE; \
  } while (0)

static PetscBool IsInteger(PetscReal x, PetscReal maxabs)
{
  return (PetscBool)(x == floor(x) && fabs(x) <= maxabs);
}

PetscErrorCode PnlmeRowParse(PnlmeRowParser *p, const char *line, size_t len, PetscInt64 L, PnlmeRow *row, PetscReal cov[], PnlmeDeferredError *err, PetscBool *rowok)
{
  PnlmeData   d      = p->d;
  PetscBool   report = p->full, ok = PETSC_TRUE;
  const char *file   = d->file;
  PetscInt    nf;
  char        txt[64], why[80];

  PetscFunctionBegin;
  row->id   = 0;
  row->idok = PETSC_FALSE;
  row->time = 0;
  row->dv = row->amt = row->rate = row->ii = row->cens = 0;
  row->limit                                           = NAN;
  row->evid = row->mdv = row->cmt = row->addl = row->ss = 0;
  row->dvmissing = row->evidmissing = row->mdvmissing = row->cmtmissing = row->limitmissing = PETSC_TRUE;
  nf                                                                    = PnlmeCSVSplit(line, len, p->f, p->maxf);
  if (nf != d->ncol) ROWERR("%s:%" PetscInt64_FMT ": %" PetscInt_FMT " field%s, but the header has %" PetscInt_FMT " columns", file, L, nf, nf == 1 ? "" : "s", d->ncol);
  for (PetscInt j = 0; j < p->njob; j++) {
    const PetscInt    col  = p->job[j].col, what = p->job[j].what;
    const char       *name = d->colname[col];
    const PnlmeField *f    = &p->f[col];
    PetscReal         x    = 0;
    PnlmeNumStatus    st;

    if (col >= nf) continue; /* already reported: wrong number of fields */
    if (what == PNLME_COL_DV && !p->full) { /* the scan only needs to know whether DV is given */
      row->dvmissing = (PetscBool)(f->n == 0 || (f->n == 1 && f->p[0] == '.'));
      continue;
    }
    if (what == PNLME_COL_ID) { /* exactly: the text's own value, not its rounding to a double */
      PetscInt64 id;
      st = PnlmeCSVParseInteger(f, IDMAX, &id);
      if (st == PNLME_NUM_OK) {
        row->id   = id;
        row->idok = PETSC_TRUE;
        continue;
      }
      PnlmeCSVFieldText(f, txt, sizeof(txt));
      PnlmeCSVBadReason(f, why, sizeof(why));
      if (st == PNLME_NUM_MISSING) ROWERR("%s:%" PetscInt64_FMT ": column %s: missing value (every row needs an ID)", file, L, name);
      else if (st == PNLME_NUM_RANGE) ROWERR("%s:%" PetscInt64_FMT ": column %s: '%s' is too large: an ID is an integer of magnitude at most 2^53 = 9007199254740992 (to be stored exactly)", file, L, name, txt);
      else ROWERR("%s:%" PetscInt64_FMT ": column %s: '%s' is not an integer%s", file, L, name, txt, why);
      continue;
    }
    st = PnlmeCSVParseReal(f, &x);
    if (st == PNLME_NUM_BAD || st == PNLME_NUM_NONFINITE) {
      PnlmeCSVFieldText(f, txt, sizeof(txt));
      PnlmeCSVBadReason(f, why, sizeof(why));
      if (st == PNLME_NUM_BAD) ROWERR("%s:%" PetscInt64_FMT ": column %s: '%s' is not a number%s", file, L, name, txt, why);
      else ROWERR("%s:%" PetscInt64_FMT ": column %s: '%s' is not a finite number", file, L, name, txt);
      continue;
    }
    if (what >= PNLME_NCOL_STD) { /* a covariate */
      PnlmeCovSpec *cs = &d->covspec[what - PNLME_NCOL_STD];
      if (st == PNLME_NUM_MISSING) x = NAN;
      else if (cs->kind == PNLME_COV_LOG && x <= 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not positive (the log transform needs positive values)", file, L, name, (double)x);
      cov[what - PNLME_NCOL_STD] = x;
      continue;
    }
    switch ((PnlmeColumn)what) {
    case PNLME_COL_TIME:
      if (st == PNLME_NUM_MISSING) ROWERR("%s:%" PetscInt64_FMT ": column %s: missing value (every row needs a time)", file, L, name);
      row->time = x;
      break;
    case PNLME_COL_DV:
      row->dvmissing = (PetscBool)(st == PNLME_NUM_MISSING);
      row->dv        = x;
      break;
    case PNLME_COL_AMT:
      if (x < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: negative amount %g", file, L, name, (double)x);
      else row->amt = x;
      break;
    case PNLME_COL_EVID:
      if (st == PNLME_NUM_MISSING) break;
      if (!IsInteger(x, 4) || x < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not an event type (EVID must be 0, 1, 2, 3 or 4)", file, L, name, (double)x);
      else {
        row->evid        = (PetscInt)x;
        row->evidmissing = PETSC_FALSE;
      }
      break;
    case PNLME_COL_MDV:
      if (st == PNLME_NUM_MISSING) break;
      if (x != 0 && x != 1) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not 0 or 1", file, L, name, (double)x);
      else {
        row->mdv        = (PetscInt)x;
        row->mdvmissing = PETSC_FALSE;
      }
      break;
    case PNLME_COL_CMT:
      if (st == PNLME_NUM_MISSING) break;
      if (!IsInteger(x, 1e6)) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not a compartment number", file, L, name, (double)x);
      else {
        row->cmt        = (PetscInt)x;
        row->cmtmissing = PETSC_FALSE;
      }
      break;
    case PNLME_COL_RATE:
      if (x == -1 || x == -2) ROWERR("%s:%" PetscInt64_FMT ": column %s: RATE %g (modelled rate/duration) not supported", file, L, name, (double)x);
      else if (x < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: negative rate %g", file, L, name, (double)x);
      else row->rate = x;
      break;
    case PNLME_COL_II:
      if (x < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: negative dosing interval %g", file, L, name, (double)x);
      else row->ii = x;
      break;
    case PNLME_COL_ADDL:
      if (!IsInteger(x, PNLME_DATA_MAX_ADDL) || x < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not a number of additional doses (0 to %d)", file, L, name, (double)x, PNLME_DATA_MAX_ADDL);
      else row->addl = (PetscInt)x;
      break;
    case PNLME_COL_CENS:
      if (x != 0 && x != 1 && x != -1) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not a censoring flag (-1, 0 or 1)", file, L, name, (double)x);
      else row->cens = x;
      break;
    case PNLME_COL_LIMIT:
      row->limitmissing = (PetscBool)(st == PNLME_NUM_MISSING);
      row->limit        = st == PNLME_NUM_MISSING ? NAN : x;
      break;
    case PNLME_COL_SS: /* NONMEM's steady-state flag (checked against the row's kind and the model below) */
      if (st == PNLME_NUM_MISSING) break;
      if (!IsInteger(x, 3) || x < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: %g is not a steady-state flag (SS is 0, 1, 2 or 3, or missing; 0 where a row is no steady-state dose)", file, L, name, (double)x);
      else row->ss = (PetscInt)x;
      break;
    default:
      break;
    }
  }
  row->obsignored = PETSC_FALSE;
  if (d->nobscmt > 0) { /* -data_observed_cmt: an observation row of another CMT is read as MDV 1 (the scan too) */
    PetscInt  evid = row->evidmissing ? (row->amt > 0 ? 1 : 0) : row->evid;
    PetscBool kept = PETSC_FALSE;
    for (PetscInt c = 0; c < d->nobscmt; c++)
      if (!row->cmtmissing && row->cmt == d->obscmt[c]) kept = PETSC_TRUE;
    if (evid == 0 && (row->mdvmissing || row->mdv == 0) && !kept) {
      row->mdv        = 1;
      row->mdvmissing = PETSC_FALSE;
      row->obsignored = PETSC_TRUE;
    }
  }
  if (ok && d->blqdrop && row->cens) { /* -data_blq drop: a censored observation is left out (M1) */
    row->mdv        = 1;
    row->mdvmissing = PETSC_FALSE;
  }
  if (ok && p->full) {
    PnlmeRowKind k;
    PetscInt     evid = row->evidmissing ? (row->amt > 0 ? 1 : 0) : row->evid;
    const char  *iiname = d->stdcol[PNLME_COL_II] >= 0 ? d->colname[d->stdcol[PNLME_COL_II]] : "II";
    const char  *rname  = d->stdcol[PNLME_COL_RATE] >= 0 ? d->colname[d->stdcol[PNLME_COL_RATE]] : "RATE";
    PetscReal    tlast, dur = 0;
    PnlmeRowClassify(row, &k);
    /* the timeline's times: the last dose at TIME + ADDL*II (t + j*II grows with j) and its infusion end */
    tlast = row->time + (PetscReal)row->addl * row->ii;
    if (k.isinf) dur = row->amt / row->rate;
    if (k.isdose && row->addl > 0 && !(row->ii > 0)) {
      ROWERR("%s:%" PetscInt64_FMT ": column %s: ADDL %" PetscInt_FMT " needs a dosing interval II > 0, got %g", file, L, iiname, row->addl, (double)row->ii);
    } else if (k.isdose && !isfinite(tlast)) {
      ROWERR("%s:%" PetscInt64_FMT ": column %s: ADDL dose time TIME + ADDL*II = %g + %" PetscInt_FMT "*%g is not finite", file, L, iiname, (double)row->time, row->addl, (double)row->ii);
    } else if (k.isinf && !isfinite(dur)) {
      ROWERR("%s:%" PetscInt64_FMT ": column %s: infusion duration AMT/RATE = %g/%g is not finite", file, L, rname, (double)row->amt, (double)row->rate);
    } else if (k.isinf && !(dur > 0)) {
      ROWERR("%s:%" PetscInt64_FMT ": column %s: infusion duration AMT/RATE = %g/%g is 0 (it underflows)", file, L, rname, (double)row->amt, (double)row->rate);
    } else if (k.isinf && !isfinite(tlast + dur)) {
      ROWERR("%s:%" PetscInt64_FMT ": column %s: infusion end time (dose time %g + duration AMT/RATE %g) is not finite", file, L, rname, (double)tlast, (double)dur);
    } else if (!k.isdose && row->amt > 0) { /* read as written, its amount would be silently left out */
      ROWERR("%s:%" PetscInt64_FMT ": column %s: amount %g on a row of EVID %" PetscInt_FMT ", which does not dose: the amount would be left out; a dose row has EVID 1 (4 with a reset)", file, L, d->colname[d->stdcol[PNLME_COL_AMT]], (double)row->amt, evid);
    } else if (k.isdose && !row->mdvmissing && row->mdv == 0) { /* a dose and an observation: which one is not guessed */
      if (row->evidmissing) ROWERR("%s:%" PetscInt64_FMT ": column %s: MDV 0 (an observation) on a dose row (AMT %g): a row is a dose or an observation, not both: write the observation on a row of its own", file, L, d->colname[d->stdcol[PNLME_COL_MDV]], (double)row->amt);
      else ROWERR("%s:%" PetscInt64_FMT ": column %s: MDV 0 (an observation) on a dose row (EVID %" PetscInt_FMT "): a row is a dose or an observation, not both: write the observation on a row of its own (EVID 0)", file, L, d->colname[d->stdcol[PNLME_COL_MDV]], evid);
    } else if (evid == 0 && !row->mdvmissing && row->mdv == 0 && row->dvmissing) {
      ROWERR("%s:%" PetscInt64_FMT ": column %s: observation row (EVID 0, MDV 0) without a value", file, L, d->colname[d->stdcol[PNLME_COL_DV]]);
    } else if (k.isdose) {
      PetscInt    cmt   = row->cmtmissing ? 1 : row->cmt;
      const char *cname = d->stdcol[PNLME_COL_CMT] >= 0 ? d->colname[d->stdcol[PNLME_COL_CMT]] : "CMT";
      if (cmt < 1) ROWERR("%s:%" PetscInt64_FMT ": column %s: dose into compartment %" PetscInt_FMT " (compartments are numbered from 1)", file, L, cname, cmt);
      else if (d->model) {
        PetscInt state;
        PetscCall(PnlmeModelGetDoseState(d->model, cmt, &state));
        if (state < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: dose into compartment %" PetscInt_FMT ", which model %s does not have", file, L, cname, cmt, p->modelname);
      }
      if (ok && row->ss) { /* a steady-state dose: what the engine computes, or one line */
        const char *sname = d->colname[d->stdcol[PNLME_COL_SS]];
        PetscBool   can   = PETSC_TRUE;
        if (d->model) PetscCall(PnlmeModelGetSteadyState(d->model, &can));
        if (row->ss == 3) ROWERR("%s:%" PetscInt64_FMT ": column %s: SS 3 is not supported (SS 1: the state reset to the steady state of this dose; SS 2: that steady state added to the state)", file, L, sname);
        else if (!(row->ii > 0)) ROWERR("%s:%" PetscInt64_FMT ": column %s: a steady-state dose (SS %" PetscInt_FMT ") needs its dosing interval II > 0, got %g (a constant infusion to steady state, II 0, is not supported)", file, L, iiname, row->ss, (double)row->ii);
        else if (!can) ROWERR("%s:%" PetscInt64_FMT ": column %s: steady-state dosing (SS %" PetscInt_FMT ") is computed by the closed-form PK models (pk1_*, pk2_*), not by model %s: write the doses before this one, or give them with ADDL and II", file, L, sname, row->ss, p->modelname);
      }
    } else if (k.isobs && p->nout > 1 && (row->cmtmissing || row->cmt == 0)) { /* which output it observes: not a guess */
      ROWERR("%s:%" PetscInt64_FMT ": column %s: observation without a compartment, but model %s has %" PetscInt_FMT " outputs (%s): each observation's CMT selects its output", file, L, d->stdcol[PNLME_COL_CMT] >= 0 ? d->colname[d->stdcol[PNLME_COL_CMT]] : "CMT", p->modelname, p->nout, p->outputs);
    } else if (k.isobs && !row->cmtmissing) {
      const char *cname = d->colname[d->stdcol[PNLME_COL_CMT]];
      if (row->cmt < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: observation of compartment %" PetscInt_FMT " (negative compartments are not supported)", file, L, cname, row->cmt);
      else if (d->model && row->cmt > 0) {
        PetscInt iout;
        PetscCall(PnlmeModelGetOutputIndex(d->model, row->cmt, &iout));
        if (iout < 0) ROWERR("%s:%" PetscInt64_FMT ": column %s: observation of compartment %" PetscInt_FMT ", for which model %s has no output", file, L, cname, row->cmt, p->modelname);
      }
    }
  }
  if (!p->full) { /* the scan: tolerate everything, with neutral values */
    if (row->addl < 0 || row->addl > PNLME_DATA_MAX_ADDL) row->addl = 0;
    ok = PETSC_TRUE;
  }
  *rowok = ok;
  PetscFunctionReturn(0);
}

/* the output index of an observation row (0 without a model) */
PetscErrorCode PnlmeRowObsOutput(PnlmeRowParser *p, const PnlmeRow *row, PetscInt *iout)
{
  PetscFunctionBegin;
  *iout = 0;
  if (p->d->model) {
    PetscCall(PnlmeModelGetOutputIndex(p->d->model, (row->cmtmissing || row->cmt == 0) ? PETSC_DECIDE : row->cmt, iout));
    if (*iout < 0) *iout = 0; /* reported by PnlmeRowParse */
  }
  PetscFunctionReturn(0);
}
