/* PnlmeDataLoad: the parallel scan, the partition by subject and the full parse of each rank's part.

   1. Every rank reads the header.  Rank r scans the lines starting in its byte range of the data
      [H + r D/P, H + (r+1) D/P) (D = size - H) with a bounded buffer, and records runs of equal ID
      (offset, line, rows, observations, doses, timeline entries).  Line numbers come from an exclusive
      scan of the line counts.
   2. Runs continuing across range boundaries are merged into the rank holding the subject's first line
      (MPI_Allgather of one small record per rank).
   3. Duplicate IDs: (ID, line) pairs go to rank hash(ID) % P (MPI_Alltoallv), are sorted there, and an ID
      seen twice is reported at its later line.
   4. Cost of a subject (nobs + ndoses + 1) times the model's weight; a subject whose cumulative cost
      midpoint is c goes to rank floor(c / total * P): contiguous, balanced ranges of whole subjects.
      Each rank's byte range and first line come from reductions over arrays of size P.
   5. ADDL expansion is bounded before anything is expanded or allocated: the scan counted the timeline
      entries ADDL adds; when there are any, each rank first validates its byte range without building
      anything (row and subject checks, and the first row where the file's running count of added
      entries exceeds -data_max_events), and every problem is raised before any expansion.
   6. Each rank parses its own byte range completely: validation, observation and timeline arrays,
      covariates.  Subjects without observations are dropped.
   Problems go to a PnlmeDeferredError keyed by 4 * line (+1 for duplicate IDs, +2 for subject-level
   problems reported at the subject's first line), raised collectively at the checkpoints: the earliest
   problem of the file is reported, identically at any number of ranks.  A lack of memory is recorded
   with key 0 (PnlmeDataOutOfMemory), the rank stops its work, and it is raised at the next checkpoint. */
#include "data/dataimpl.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SENTINEL_ID INT64_MIN /* rows before any parsable ID (reported as errors anyway) */

typedef struct {
  PetscInt64 id, off, line, nrows, nobs, ndose, nev, ngen; /* ngen: timeline entries added by ADDL */
} Run;

typedef struct {
  PetscInt64 n, cap;
  Run       *r;
} RunList;

void PnlmeDataOutOfMemory(PnlmeData d, PnlmeDeferredError *err, const char what[], double bytes)
{
  PetscMPIInt rank = 0;
  const char *unit = "bytes";
  double      v    = bytes;

  MPI_Comm_rank(PetscObjectComm((PetscObject)d), &rank);
  if (v >= 1024.0 * 1024 * 1024) v /= 1024.0 * 1024 * 1024, unit = "GiB";
  else if (v >= 1024.0 * 1024) v /= 1024.0 * 1024, unit = "MiB";
  else if (v >= 1024.0) v /= 1024.0, unit = "KiB";
  PnlmeDeferredErrorSet(err, 0, "%s: out of memory on rank %d: cannot allocate %s (%.3g %s)", d->file, (int)rank, what, v, unit);
}

/* appends a run; *ok = PETSC_FALSE when the list cannot grow */
static PetscErrorCode RunPush(RunList *l, const Run *r, PetscBool *ok)
{
  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (l->n == l->cap) {
    PetscInt64 cap = PetscMax(2 * l->cap, 1024);
    PetscCall(PnlmeDataTryGrow((size_t)l->n, (size_t)cap, sizeof(Run), &l->r, ok));
    if (!*ok) PetscFunctionReturn(0);
    l->cap = cap;
  }
  l->r[l->n++] = *r;
  PetscFunctionReturn(0);
}

static inline void RunAdd(Run *r, PetscInt64 nrows, PetscInt64 nobs, PetscInt64 ndose, PetscInt64 nev, PetscInt64 ngen)
{
  r->nrows += nrows;
  r->nobs += nobs;
  r->ndose += ndose;
  r->nev += nev;
  r->ngen += ngen;
}

/* any recorded problem on any rank, or with below > 0 any with a key < below? (collective) */
static PetscErrorCode AnyErrorBelow(MPI_Comm comm, PnlmeDeferredError *err, PetscInt64 below, PetscBool *any)
{
  PetscInt64 k = err->key, kmin;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&k, &kmin, 1, MPIU_INT64, MPI_MIN, comm));
  *any = (PetscBool)(below > 0 ? kmin < below : kmin != PNLME_NO_ERROR_KEY);
  PetscFunctionReturn(0);
}
static PetscErrorCode AnyError(MPI_Comm comm, PnlmeDeferredError *err, PetscBool *any)
{
  return AnyErrorBelow(comm, err, 0, any);
}
/* a lack of memory (or a read error: key 0) on any rank? */
#define KEY_FATAL 1

/* does any rank say yes? (collective) */
static PetscErrorCode AnyRank(MPI_Comm comm, PetscBool mine, PetscBool *any)
{
  PetscMPIInt m = mine ? 1 : 0, a;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&m, &a, 1, MPI_INT, MPI_MAX, comm));
  *any = (PetscBool)(a != 0);
  PetscFunctionReturn(0);
}

static inline uint64_t HashID(PetscInt64 id)
{
  uint64_t z = (uint64_t)id + 0x9e3779b97f4a7c15ULL; /* splitmix64 finaliser */
  z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z          = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int ComparePairs(const void *a, const void *b)
{
  const PetscInt64 *x = (const PetscInt64 *)a, *y = (const PetscInt64 *)b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : (x[1] > y[1] ? 1 : 0);
}

/* ------------------------------------------------------------------------------------------ scan */
/* Runs of equal ID among the lines starting in [begin, end).  Rows before the first parsable ID of the
   range form the lead (they continue the previous range's last subject). */
typedef struct {
  RunList    runs;
  PetscInt64 nlines, nrows;
  PetscBool  haslead;
  Run        lead;
} Scan;

static PetscErrorCode ScanRange(PnlmeData d, int fd, PetscInt64 fsize, PetscInt64 begin, PetscInt64 end, PetscBool align, Scan *sc, PnlmeDeferredError *err)
{
  PnlmeLineReader r;
  PnlmeRowParser  rp;
  const char     *line;
  size_t          len;
  PetscInt64      off;
  PetscBool       got, ok, pushed;
  Run            *cur = NULL;

  PetscFunctionBegin;
  PetscCall(PnlmeRowParserCreate(d, PETSC_FALSE, &rp, &ok));
  if (!ok) {
    PnlmeDataOutOfMemory(d, err, "the fields of a row", (double)d->ncol * sizeof(PnlmeField));
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeLineReaderCreate(fd, fsize, d->bufsize, &r));
  PetscCall(PnlmeLineReaderSeek(&r, begin, end, align));
  for (;;) {
    PnlmeRow     row;
    PnlmeRowKind k;
    PetscInt64   rel;
    PetscCall(PnlmeLineReaderNext(&r, &line, &len, &off, &got));
    if (!got) break;
    rel = sc->nlines++;
    if (PnlmeCSVIsBlank(line, len)) continue;
    sc->nrows++;
    PetscCall(PnlmeRowParse(&rp, line, len, 0, &row, NULL, NULL, &ok));
    PnlmeRowClassify(&row, &k);
    if (!row.idok) {
      if (!cur) {
        if (!sc->haslead) {
          sc->haslead = PETSC_TRUE;
          sc->lead.id = SENTINEL_ID;
          sc->lead.off = off;
          sc->lead.line = rel;
        }
        RunAdd(&sc->lead, 1, k.isobs, k.ndose, k.nev, k.ngen);
        continue;
      }
    } else if (!cur || row.id != cur->id) {
      Run nr = {row.id, off, rel, 0, 0, 0, 0, 0};
      PetscCall(RunPush(&sc->runs, &nr, &pushed));
      if (!pushed) {
        PnlmeDataOutOfMemory(d, err, "the list of subjects found by the scan", 2.0 * (double)sc->runs.cap * sizeof(Run));
        break;
      }
      cur = &sc->runs.r[sc->runs.n - 1];
    }
    RunAdd(cur, 1, k.isobs, k.ndose, k.nev, k.ngen);
  }
  if (r.oom) PnlmeDataOutOfMemory(d, err, "a read buffer for a long line", (double)r.oombytes);
  if (r.ioerror) PnlmeDeferredErrorSet(err, 0, "%s: read error", d->file);
  PetscCall(PnlmeRowParserDestroy(&rp));
  PetscCall(PnlmeLineReaderDestroy(&r));
  PetscFunctionReturn(0);
}

/* one record per rank for merging runs across ranges */
enum { S_HASLEAD, S_LEADOFF, S_LEADLINE, S_LEADROWS, S_LEADOBS, S_LEADDOSE, S_LEADEV, S_LEADGEN, S_NRUNS, S_FIRSTID, S_FROWS, S_FOBS, S_FDOSE, S_FEV, S_FGEN, S_LASTID, S_N };

/* Every rank walks the records of all ranks in order and finds what belongs to it: whether its lead and
   its first run continue a subject started earlier, and what later ranks add to its last subject. */
static PetscErrorCode MergeRuns(PnlmeData d, MPI_Comm comm, Scan *sc, RunList *subj, PnlmeDeferredError *err)
{
  PetscMPIInt rank, size;
  PetscInt64  mine[S_N], *all;
  PetscInt64  previd = 0;
  PetscBool   prevvalid = PETSC_FALSE, keeplead = PETSC_FALSE, dropfirst = PETSC_FALSE, ok = PETSC_TRUE;
  PetscInt    owner = -1;
  Run         extra = {0, 0, 0, 0, 0, 0, 0, 0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscArrayzero(mine, S_N));
  mine[S_HASLEAD] = sc->haslead;
  if (sc->haslead) {
    mine[S_LEADOFF]  = sc->lead.off;
    mine[S_LEADLINE] = sc->lead.line;
    mine[S_LEADROWS] = sc->lead.nrows;
    mine[S_LEADOBS]  = sc->lead.nobs;
    mine[S_LEADDOSE] = sc->lead.ndose;
    mine[S_LEADEV]   = sc->lead.nev;
    mine[S_LEADGEN]  = sc->lead.ngen;
  }
  mine[S_NRUNS] = sc->runs.n;
  if (sc->runs.n) {
    mine[S_FIRSTID] = sc->runs.r[0].id;
    mine[S_FROWS]   = sc->runs.r[0].nrows;
    mine[S_FOBS]    = sc->runs.r[0].nobs;
    mine[S_FDOSE]   = sc->runs.r[0].ndose;
    mine[S_FEV]     = sc->runs.r[0].nev;
    mine[S_FGEN]    = sc->runs.r[0].ngen;
    mine[S_LASTID]  = sc->runs.r[sc->runs.n - 1].id;
  }
  PetscCall(PetscMalloc1((size_t)size * S_N, &all));
  PetscCallMPI(MPI_Allgather(mine, S_N, MPIU_INT64, all, S_N, MPIU_INT64, comm));
  for (PetscMPIInt s = 0; s < size; s++) {
    const PetscInt64 *a = all + (size_t)s * S_N;
    if (a[S_HASLEAD]) {
      if (owner >= 0) {
        if (owner == rank) RunAdd(&extra, a[S_LEADROWS], a[S_LEADOBS], a[S_LEADDOSE], a[S_LEADEV], a[S_LEADGEN]);
      } else {
        if (s == rank) keeplead = PETSC_TRUE;
        owner     = s;
        previd    = SENTINEL_ID;
        prevvalid = PETSC_TRUE;
      }
    }
    if (a[S_NRUNS] > 0) {
      PetscBool cont = (PetscBool)(owner >= 0 && prevvalid && a[S_FIRSTID] == previd);
      if (cont) {
        if (owner == rank) RunAdd(&extra, a[S_FROWS], a[S_FOBS], a[S_FDOSE], a[S_FEV], a[S_FGEN]);
        if (s == rank) dropfirst = PETSC_TRUE;
      }
      if (!cont || a[S_NRUNS] > 1) owner = s;
      previd    = a[S_LASTID];
      prevvalid = PETSC_TRUE;
    }
  }
  PetscCall(PetscFree(all));
  /* this rank's subjects */
  subj->n = 0;
  if (keeplead) PetscCall(RunPush(subj, &sc->lead, &ok));
  for (PetscInt64 i = dropfirst ? 1 : 0; ok && i < sc->runs.n; i++) PetscCall(RunPush(subj, &sc->runs.r[i], &ok));
  if (!ok) {
    PnlmeDataOutOfMemory(d, err, "the list of subjects", 2.0 * (double)subj->cap * sizeof(Run));
    PetscFunctionReturn(0);
  }
  if (subj->n) RunAdd(&subj->r[subj->n - 1], extra.nrows, extra.nobs, extra.ndose, extra.nev, extra.ngen);
  else PetscCheck(extra.nrows == 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "continuation rows without a subject");
  PetscFunctionReturn(0);
}

/* Duplicate IDs, checked where hash(ID) sends them. */
static PetscErrorCode CheckDuplicates(PnlmeData d, MPI_Comm comm, const RunList *subj, PnlmeDeferredError *err)
{
  PetscMPIInt  size, *scnt, *sdsp, *rcnt, *rdsp;
  PetscInt64  *sbuf = NULL, *rbuf = NULL, nrecv = 0, nsend = 0;
  const char  *idname = d->colname[d->stdcol[PNLME_COL_ID]];
  PetscBool    ok, any;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscCalloc4(size, &scnt, size, &sdsp, size, &rcnt, size, &rdsp));
  for (PetscInt64 i = 0; i < subj->n; i++)
    if (subj->r[i].id != SENTINEL_ID) nsend += 2;
  PetscCall(PnlmeDataTryGrow(0, (size_t)PetscMax(1, nsend), sizeof(*sbuf), &sbuf, &ok));
  if (!ok) PnlmeDataOutOfMemory(d, err, "the IDs to check for duplicates", (double)nsend * sizeof(*sbuf));
  PetscCall(AnyRank(comm, (PetscBool)!ok, &any));
  if (any) {
    PetscCall(PetscFree(sbuf));
    PetscCall(PetscFree4(scnt, sdsp, rcnt, rdsp));
    PetscFunctionReturn(0);
  }
  PetscCheck(nsend < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "too many subjects per rank for the duplicate-ID check");
  for (PetscInt64 i = 0; i < subj->n; i++)
    if (subj->r[i].id != SENTINEL_ID) scnt[HashID(subj->r[i].id) % (uint64_t)size] += 2;
  for (PetscMPIInt q = 1; q < size; q++) sdsp[q] = sdsp[q - 1] + scnt[q - 1];
  {
    PetscMPIInt *pos;
    PetscCall(PetscMalloc1(size, &pos));
    PetscCall(PetscArraycpy(pos, sdsp, size));
    for (PetscInt64 i = 0; i < subj->n; i++) {
      if (subj->r[i].id == SENTINEL_ID) continue;
      PetscMPIInt q   = (PetscMPIInt)(HashID(subj->r[i].id) % (uint64_t)size);
      sbuf[pos[q]++] = subj->r[i].id;
      sbuf[pos[q]++] = subj->r[i].line;
    }
    PetscCall(PetscFree(pos));
  }
  PetscCallMPI(MPI_Alltoall(scnt, 1, MPI_INT, rcnt, 1, MPI_INT, comm));
  for (PetscMPIInt q = 0; q < size; q++) {
    rdsp[q] = (PetscMPIInt)nrecv;
    nrecv += rcnt[q];
  }
  PetscCheck(nrecv < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "too many subjects per rank for the duplicate-ID check");
  PetscCall(PnlmeDataTryGrow(0, (size_t)PetscMax(1, nrecv), sizeof(*rbuf), &rbuf, &ok));
  if (!ok) PnlmeDataOutOfMemory(d, err, "the IDs to check for duplicates", (double)nrecv * sizeof(*rbuf));
  PetscCall(AnyRank(comm, (PetscBool)!ok, &any));
  if (any) {
    PetscCall(PetscFree(sbuf));
    PetscCall(PetscFree(rbuf));
    PetscCall(PetscFree4(scnt, sdsp, rcnt, rdsp));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Alltoallv(sbuf, scnt, sdsp, MPIU_INT64, rbuf, rcnt, rdsp, MPIU_INT64, comm));
  qsort(rbuf, (size_t)(nrecv / 2), 2 * sizeof(PetscInt64), ComparePairs);
  for (PetscInt64 i = 2; i < nrecv; i += 2)
    if (rbuf[i] == rbuf[i - 2])
      PnlmeDeferredErrorSet(err, 4 * rbuf[i + 1] + 1, "%s:%" PetscInt64_FMT ": column %s: ID %" PetscInt64_FMT " reappears at line %" PetscInt64_FMT " after another subject; its rows must be contiguous", d->file, rbuf[i + 1], idname, rbuf[i], rbuf[i + 1]);
  PetscCall(PetscFree(sbuf));
  PetscCall(PetscFree(rbuf));
  PetscCall(PetscFree4(scnt, sdsp, rcnt, rdsp));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------ partition */
typedef struct {
  PetscInt64 begin, end, firstline; /* byte range of this rank's subjects, line of the first */
  PetscInt64 nsub, nkept, nobs, nev, gstart, nglobal;
  PetscInt64 genbefore, gentotal; /* timeline entries added by ADDL: in the file before this range, in all */
} Part;

enum { P_NSUB, P_NKEPT, P_NOBS, P_NEV, P_COST, P_NGEN, P_NSUM };

static PetscErrorCode Partition(PnlmeData d, MPI_Comm comm, PetscInt64 fsize, const RunList *subj, Part *part)
{
  PetscMPIInt rank, size;
  PetscInt64  local = 0, prefix = 0, total = 0, run = 0, *mn, *mnall, *sm, *small;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (PetscInt64 i = 0; i < subj->n; i++) local += subj->r[i].nobs + subj->r[i].ndose + 1;
  PetscCallMPI(MPI_Exscan(&local, &prefix, 1, MPIU_INT64, MPI_SUM, comm));
  if (!rank) prefix = 0;
  PetscCallMPI(MPI_Allreduce(&local, &total, 1, MPIU_INT64, MPI_SUM, comm));
  PetscCall(PetscMalloc4(2 * (size_t)size, &mn, 2 * (size_t)size, &mnall, P_NSUM * (size_t)size, &sm, P_NSUM * (size_t)size, &small));
  for (PetscMPIInt q = 0; q < 2 * size; q++) mn[q] = INT64_MAX;
  PetscCall(PetscArrayzero(sm, P_NSUM * (size_t)size));
  for (PetscInt64 i = 0; i < subj->n; i++) {
    const Run *r    = &subj->r[i];
    PetscInt64 cost = r->nobs + r->ndose + 1;
    /* midpoint of the subject's cost interval, in half units: exact integers */
    __int128   c2   = (__int128)(2 * (prefix + run) + cost);
    PetscInt64 q    = total > 0 ? (PetscInt64)((c2 * size) / ((__int128)2 * total)) : 0;
    q               = PetscMin(PetscMax(q, 0), size - 1);
    run += cost;
    mn[2 * q]     = PetscMin(mn[2 * q], r->off);
    mn[2 * q + 1] = PetscMin(mn[2 * q + 1], r->line);
    sm[P_NSUM * q + P_NSUB]++;
    sm[P_NSUM * q + P_NKEPT] += r->nobs > 0;
    sm[P_NSUM * q + P_NOBS] += r->nobs;
    sm[P_NSUM * q + P_NEV] += r->nev;
    sm[P_NSUM * q + P_COST] += cost;
    sm[P_NSUM * q + P_NGEN] += r->ngen;
  }
  PetscCallMPI(MPI_Allreduce(mn, mnall, 2 * size, MPIU_INT64, MPI_MIN, comm));
  PetscCallMPI(MPI_Allreduce(sm, small, P_NSUM * size, MPIU_INT64, MPI_SUM, comm));
  part->nsub      = small[P_NSUM * rank + P_NSUB];
  part->nkept     = small[P_NSUM * rank + P_NKEPT];
  part->nobs      = small[P_NSUM * rank + P_NOBS];
  part->nev       = small[P_NSUM * rank + P_NEV];
  part->begin     = part->nsub ? mnall[2 * rank] : fsize;
  part->firstline = part->nsub ? mnall[2 * rank + 1] : 0;
  part->end       = fsize;
  for (PetscMPIInt q = rank + 1; q < size; q++)
    if (small[P_NSUM * q + P_NSUB]) {
      part->end = mnall[2 * q];
      break;
    }
  if (!part->nsub) part->end = fsize;
  part->gstart    = 0;
  part->nglobal   = 0;
  part->genbefore = 0;
  part->gentotal  = 0;
  for (PetscMPIInt q = 0; q < size; q++) {
    if (q < rank) part->gstart += small[P_NSUM * q + P_NKEPT];
    if (q < rank) part->genbefore += small[P_NSUM * q + P_NGEN];
    part->nglobal += small[P_NSUM * q + P_NKEPT];
    part->gentotal += small[P_NSUM * q + P_NGEN];
  }
  d->size = size;
  PetscCall(PetscFree2(d->partnsub, d->partcost));
  PetscCall(PetscMalloc2(size, &d->partnsub, size, &d->partcost));
  for (PetscMPIInt q = 0; q < size; q++) {
    d->partnsub[q] = small[P_NSUM * q + P_NKEPT];
    d->partcost[q] = small[P_NSUM * q + P_COST];
  }
  PetscCall(PetscFree4(mn, mnall, sm, small));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------------------------- full parse */
typedef struct {
  PetscInt64 nsub, capsub, nobs, capobs, nev, capev;
  PetscReal *raw; /* [capsub * ncovspec] covariate values of the kept subjects */
  /* running statistics of the kept subjects */
  PetscInt64 nrows, ndoserec, ndoseexp, ninf, nreset, nss, nobsign;
  PetscReal  tmin, tmax;
  PetscInt   maxobs, maxev;
  PetscInt64 nparsed, nkept, ndropped, dropline, dropid;
  PetscBool  oom; /* an array could not grow: nothing more is stored */
} Store;

/* grows the arrays to hold nsub subjects, nobs observations and nev timeline entries; without the
   memory, records the problem and sets st->oom */
static PetscErrorCode StoreReserve(PnlmeData d, Store *st, PetscInt64 nsub, PetscInt64 nobs, PetscInt64 nev, PnlmeDeferredError *err)
{
  PetscBool ok = PETSC_TRUE;

  PetscFunctionBegin;
  if (st->oom) PetscFunctionReturn(0);
  if (nsub > st->capsub) {
    PetscInt64 cap = PetscMax(nsub, 2 * st->capsub);
    size_t     old = (size_t)st->capsub, nc = (size_t)PetscMax(1, d->ncovspec);
    PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscInt64), &d->id, &ok));
    if (ok) PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscInt64), &d->line, &ok));
    if (ok) PetscCall(PnlmeDataTryGrow(old + 1, (size_t)cap + 1, sizeof(PetscInt64), &d->obsptr, &ok));
    if (ok) PetscCall(PnlmeDataTryGrow(old + 1, (size_t)cap + 1, sizeof(PetscInt64), &d->evptr, &ok));
    if (ok) PetscCall(PnlmeDataTryGrow(old * nc, (size_t)cap * nc, sizeof(PetscReal), &st->raw, &ok));
    if (!ok) {
      char what[128];
      PetscCall(PetscSNPrintf(what, sizeof(what), "the arrays of the subjects, %" PetscInt64_FMT " of them", cap));
      PnlmeDataOutOfMemory(d, err, what, (double)cap * (4 * sizeof(PetscInt64) + nc * sizeof(PetscReal)));
      st->oom = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
    st->capsub = cap;
  }
  if (nobs > st->capobs) {
    PetscInt64 cap = PetscMax(nobs, 2 * st->capobs);
    size_t     old = (size_t)st->capobs;
    PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscReal), &d->tobs, &ok));
    if (ok) PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscReal), &d->dv, &ok));
    if (ok) PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscInt), &d->obsout, &ok));
    if (ok && d->stdcol[PNLME_COL_CENS] >= 0) PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscInt), &d->cens, &ok));
    if (ok && d->stdcol[PNLME_COL_LIMIT] >= 0) PetscCall(PnlmeDataTryGrow(old, (size_t)cap, sizeof(PetscReal), &d->limit, &ok));
    if (!ok) {
      char what[128];
      PetscCall(PetscSNPrintf(what, sizeof(what), "the arrays of the observations, %" PetscInt64_FMT " of them", cap));
      PnlmeDataOutOfMemory(d, err, what, (double)cap * (3 * sizeof(PetscReal) + 2 * sizeof(PetscInt)));
      st->oom = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
    st->capobs = cap;
  }
  if (nev > st->capev) {
    PetscInt64 cap = PetscMax(nev, 2 * st->capev);
    PetscCall(PnlmeDataTryGrow((size_t)st->capev, (size_t)cap, sizeof(PnlmeEvent), &d->ev, &ok));
    if (!ok) {
      char what[128];
      PetscCall(PetscSNPrintf(what, sizeof(what), "the timelines, %" PetscInt64_FMT " entries", cap));
      PnlmeDataOutOfMemory(d, err, what, (double)cap * sizeof(PnlmeEvent));
      st->oom = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
    st->capev = cap;
  }
  PetscFunctionReturn(0);
}

/* the subject being parsed */
typedef struct {
  PetscBool  open;
  PetscInt64 id, line;
  PetscInt64 nrows, nobs, ndoserec, ndoseexp, ninf, nreset, nss;
  PetscInt   ndose;
  PetscReal  prevtime, tmin, tmax;
  PetscBool  hasprev;
  PetscReal *cov; /* [ncovspec] first value seen, NaN if none yet */
} Current;

/* The pass over a rank's byte range: VALIDATE checks every row and subject and stores nothing (no
   observation array, no timeline); BUILD also fills the arrays and the timelines. */
typedef enum { PASS_VALIDATE, PASS_BUILD } Pass;

static PetscErrorCode FinishSubject(PnlmeData d, Store *st, Current *cur, PnlmeTimeline *tl, Pass pass, PnlmeDeferredError *err)
{
  PetscInt64 i = st->nsub, nobs = cur->nobs;
  PetscInt   nev;

  PetscFunctionBegin;
  if (!cur->open) PetscFunctionReturn(0);
  cur->open = PETSC_FALSE;
  st->nparsed++;
  if (nobs == 0) { /* dropped: forget its observations (none) and timeline */
    st->ndropped++;
    if (cur->line < st->dropline) {
      st->dropline = cur->line;
      st->dropid   = cur->id;
    }
    PetscFunctionReturn(0);
  }
  for (PetscInt c = 0; c < d->ncovspec; c++)
    if (PetscIsNanReal(cur->cov[c]))
      PnlmeDeferredErrorSet(err, 4 * cur->line + 2, "%s:%" PetscInt64_FMT ": column %s: no value for ID %" PetscInt64_FMT " (a covariate needs a value in at least one row of each subject)", d->file, cur->line, d->colname[d->covspec[c].col], cur->id);
  st->nkept++;
  if (pass == PASS_VALIDATE || st->oom) PetscFunctionReturn(0);
  PetscCall(StoreReserve(d, st, i + 1, st->nobs, st->nev + tl->n, err));
  if (st->oom) PetscFunctionReturn(0);
  PetscCall(PnlmeTimelineFinish(tl, d->ev + st->nev, &nev));
  st->nev += nev;
  d->id[i]         = cur->id;
  d->line[i]       = cur->line;
  d->obsptr[i + 1] = st->nobs;
  d->evptr[i + 1]  = st->nev;
  for (PetscInt c = 0; c < d->ncovspec; c++) st->raw[i * d->ncovspec + c] = cur->cov[c];
  st->nsub++;
  st->nrows += cur->nrows;
  st->ndoserec += cur->ndoserec;
  st->ndoseexp += cur->ndoseexp;
  st->ninf += cur->ninf;
  st->nreset += cur->nreset;
  st->nss += cur->nss;
  st->tmin   = PetscMin(st->tmin, cur->tmin);
  st->tmax   = PetscMax(st->tmax, cur->tmax);
  st->maxobs = PetscMax(st->maxobs, (PetscInt)nobs);
  st->maxev  = PetscMax(st->maxev, nev);
  PetscFunctionReturn(0);
}

static PetscErrorCode StartSubject(PnlmeData d, Store *st, Current *cur, PnlmeTimeline *tl, PetscInt64 id, PetscInt64 line, Pass pass, PnlmeDeferredError *err)
{
  PetscFunctionBegin;
  cur->open  = PETSC_TRUE;
  cur->id    = id;
  cur->line  = line;
  cur->nrows = cur->nobs = cur->ndoserec = cur->ndoseexp = cur->ninf = cur->nreset = cur->nss = 0;
  cur->ndose                                                                      = 0;
  cur->hasprev                                                                    = PETSC_FALSE;
  cur->tmin                                                                       = PETSC_MAX_REAL;
  cur->tmax                                                                       = -PETSC_MAX_REAL;
  for (PetscInt c = 0; c < d->ncovspec; c++) cur->cov[c] = NAN;
  if (pass == PASS_VALIDATE) PetscFunctionReturn(0);
  PetscCall(StoreReserve(d, st, st->nsub + 1, st->nobs, st->nev, err));
  if (st->oom) PetscFunctionReturn(0);
  d->obsptr[st->nsub] = st->nobs;
  d->evptr[st->nsub]  = st->nev;
  PetscCall(PnlmeTimelineReset(tl));
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseRange(PnlmeData d, int fd, PetscInt64 fsize, const Part *part, Pass pass, Store *st, PnlmeDeferredError *err)
{
  PnlmeLineReader r;
  PnlmeRowParser  rp;
  PnlmeTimeline   tl;
  Current         cur;
  PetscReal      *cov;
  const char     *line;
  size_t          len;
  PetscInt64      off, L = part->firstline, gen = part->genbefore;
  PetscBool       got, ok, build = (PetscBool)(pass == PASS_BUILD);
  const char     *tname = d->colname[d->stdcol[PNLME_COL_TIME]];

  PetscFunctionBegin;
  PetscCall(PnlmeRowParserCreate(d, PETSC_TRUE, &rp, &ok));
  if (!ok) {
    PnlmeDataOutOfMemory(d, err, "the fields of a row", (double)d->ncol * sizeof(PnlmeField));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMemzero(&tl, sizeof(tl)));
  PetscCall(PetscMemzero(&cur, sizeof(cur)));
  PetscCall(PetscMalloc2(PetscMax(1, d->ncovspec), &cov, PetscMax(1, d->ncovspec), &cur.cov));
  if (build) {
    PetscCall(StoreReserve(d, st, PetscMax(1, part->nkept), part->nobs, part->nev, err));
    if (!st->oom) d->obsptr[0] = d->evptr[0] = 0;
  }
  PetscCall(PnlmeLineReaderCreate(fd, fsize, d->bufsize, &r));
  PetscCall(PnlmeLineReaderSeek(&r, part->begin, part->end, PETSC_FALSE));
  for (; !st->oom; L++) {
    PnlmeRow     row;
    PnlmeRowKind k;
    PetscCall(PnlmeLineReaderNext(&r, &line, &len, &off, &got));
    if (!got) break;
    if (PnlmeCSVIsBlank(line, len)) continue;
    PetscCall(PnlmeRowParse(&rp, line, len, L, &row, cov, err, &ok));
    if (row.idok) {
      if (!cur.open || row.id != cur.id) {
        PetscCall(FinishSubject(d, st, &cur, &tl, pass, err));
        PetscCall(StartSubject(d, st, &cur, &tl, row.id, L, pass, err));
      }
    } else if (!cur.open) PetscCall(StartSubject(d, st, &cur, &tl, SENTINEL_ID, L, pass, err));
    if (st->oom) break;
    cur.nrows++;
    /* the bound on ADDL expansion: the file's running count of added entries, counted over every row as
       the scan did, first exceeds the limit at this row */
    PnlmeRowClassify(&row, &k);
    if (k.ngen > 0 && gen <= d->maxevents && gen + k.ngen > d->maxevents) {
      const char *aname = d->colname[d->stdcol[PNLME_COL_ADDL]];
      PnlmeDeferredErrorSet(err, 4 * L, "%s:%" PetscInt64_FMT ": column %s: ADDL expansion reaches %" PetscInt64_FMT " timeline entries at this row, more than the limit -data_max_events %" PetscInt64_FMT, d->file, L, aname, gen + k.ngen, d->maxevents);
    }
    gen += k.ngen;
    if (!ok) continue;
    if (build && row.obsignored) st->nobsign++;
    /* subject-level checks of the row */
    if (cur.hasprev && row.time < cur.prevtime)
      PnlmeDeferredErrorSet(err, 4 * L, "%s:%" PetscInt64_FMT ": column %s: time %g is before the previous row's time %g; times must not decrease within a subject (ID %" PetscInt64_FMT ")", d->file, L, tname, (double)row.time, (double)cur.prevtime, cur.id);
    cur.prevtime = row.time;
    cur.hasprev  = PETSC_TRUE;
    cur.tmin     = PetscMin(cur.tmin, row.time);
    cur.tmax     = PetscMax(cur.tmax, row.time);
    for (PetscInt c = 0; c < d->ncovspec; c++) {
      if (PetscIsNanReal(cov[c])) continue;
      if (PetscIsNanReal(cur.cov[c])) cur.cov[c] = cov[c];
      else if (cov[c] != cur.cov[c])
        PnlmeDeferredErrorSet(err, 4 * L, "%s:%" PetscInt64_FMT ": column %s: time-varying covariate (ID %" PetscInt64_FMT ": %g, then %g) not supported", d->file, L, d->colname[d->covspec[c].col], cur.id, (double)cur.cov[c], (double)cov[c]);
    }
    if (k.isobs) {
      if (build) {
        PetscInt64 j = st->nobs;
        PetscCall(StoreReserve(d, st, st->nsub + 1, j + 1, st->nev, err));
        if (st->oom) break;
        d->tobs[j] = row.time;
        d->dv[j]   = row.dv;
        PetscCall(PnlmeRowObsOutput(&rp, &row, &d->obsout[j]));
        if (d->cens) d->cens[j] = (PetscInt)row.cens;
        if (d->limit) d->limit[j] = row.limit;
        st->nobs++;
      }
      cur.nobs++;
    }
    if (build) {
      PetscCall(PnlmeTimelineAddRow(&tl, &row, &k, (PetscInt)(cur.nobs - 1), cur.ndose));
      if (tl.oom) {
        PnlmeDataOutOfMemory(d, err, "the timeline of a subject", (double)tl.oombytes);
        st->oom = PETSC_TRUE;
        break;
      }
    }
    if (k.isdose) {
      cur.ndose++;
      cur.ndoserec++;
      cur.ndoseexp += k.ndose;
      cur.ninf += k.isinf ? k.ndose : 0;
    }
    if (k.isreset) cur.nreset++;
    if (k.isss) cur.nss++;
  }
  if (!st->oom) PetscCall(FinishSubject(d, st, &cur, &tl, pass, err));
  if (r.oom) PnlmeDataOutOfMemory(d, err, "a read buffer for a long line", (double)r.oombytes);
  if (r.ioerror) PnlmeDeferredErrorSet(err, 0, "%s: read error", d->file);
  PetscCall(PnlmeTimelineDestroy(&tl));
  PetscCall(PnlmeRowParserDestroy(&rp));
  PetscCall(PnlmeLineReaderDestroy(&r));
  PetscCall(PetscFree2(cov, cur.cov));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------ load */
PetscErrorCode PnlmeDataLoad(PnlmeData d)
{
  MPI_Comm           comm = PetscObjectComm((PetscObject)d);
  PetscMPIInt        rank, size;
  PnlmeDeferredError err;
  int                fd = -1;
  PetscInt64         fsize = 0, H = 0, D, begin, end, nrows;
  struct stat        sb;
  Scan               sc;
  RunList            subj = {0, 0, NULL};
  Part               part;
  Store              st;
  PetscBool          any;
  PetscLogDouble     t0, t1, t2, t3;

  PetscFunctionBegin;
  PetscCheck(d->file[0], comm, PETSC_ERR_USER, "no data file: give -data_file PATH");
  PetscCall(PnlmeDataCheckColumnRoles(d));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PnlmeDataResetStorage(d));
  PetscCall(PetscMemzero(&sc, sizeof(sc)));
  PetscCall(PetscMemzero(&st, sizeof(st)));
  PetscCall(PetscMemzero(&part, sizeof(part)));
  PnlmeDeferredErrorInit(&err);
  PetscCall(PetscLogEventBegin(PNLME_DataRead, d, 0, 0, 0));

  /* open and header: checkpoint 1 */
  fd = open(d->file, O_RDONLY);
  if (fd < 0) PnlmeDeferredErrorSet(&err, 0, "%s: cannot open the file (%s)", d->file, strerror(errno));
  else if (fstat(fd, &sb)) PnlmeDeferredErrorSet(&err, 0, "%s: cannot read the file (%s)", d->file, strerror(errno));
  else if (S_ISDIR(sb.st_mode)) PnlmeDeferredErrorSet(&err, 0, "%s: is a directory, not a file", d->file);
  else fsize = (PetscInt64)sb.st_size;
  if (err.key == PNLME_NO_ERROR_KEY) PetscCall(PnlmeDataReadHeader(d, fd, fsize, &H, &err));
  if (err.key == PNLME_NO_ERROR_KEY && d->nobscmt > 0 && d->stdcol[PNLME_COL_CMT] < 0) PnlmeDeferredErrorSet(&err, 0, "option -data_observed_cmt: %s has no %s column", d->file, d->stdname[PNLME_COL_CMT]);
  PetscCall(AnyError(comm, &err, &any));
  if (any) {
    if (fd >= 0) close(fd);
    PetscCall(PetscLogEventEnd(PNLME_DataRead, d, 0, 0, 0));
    PetscCall(PnlmeDeferredErrorRaise(comm, &err));
  }

  /* 1. scan this rank's byte range */
  PetscCall(PetscTime(&t0));
  D     = fsize - H;
  begin = H + (PetscInt64)(((__int128)D * rank) / size);
  end   = H + (PetscInt64)(((__int128)D * (rank + 1)) / size);
  PetscCall(ScanRange(d, fd, fsize, begin, end, (PetscBool)(rank > 0), &sc, &err));
  {
    PetscInt64 before = 0;
    PetscCallMPI(MPI_Exscan(&sc.nlines, &before, 1, MPIU_INT64, MPI_SUM, comm));
    if (!rank) before = 0;
    for (PetscInt64 i = 0; i < sc.runs.n; i++) sc.runs.r[i].line += 2 + before;
    if (sc.haslead) sc.lead.line += 2 + before;
    PetscCallMPI(MPI_Allreduce(&sc.nrows, &nrows, 1, MPIU_INT64, MPI_SUM, comm));
    if (!nrows) PnlmeDeferredErrorSet(&err, 4, "%s:1: no data rows after the header", d->file);
  }
  PetscCall(PetscLogEventEnd(PNLME_DataRead, d, 0, 0, 0));
  /* checkpoint: read errors, memory, no data rows (the scan records nothing else) */
  PetscCall(AnyError(comm, &err, &any));
  if (any) {
    close(fd);
    PetscCall(PetscFree(sc.runs.r));
    PetscCall(PnlmeDeferredErrorRaise(comm, &err));
  }

  /* 2-4. subjects, duplicate IDs, partition */
  PetscCall(PetscTime(&t1));
  PetscCall(PetscLogEventBegin(PNLME_DataPartition, d, 0, 0, 0));
  PetscCall(MergeRuns(d, comm, &sc, &subj, &err));
  PetscCall(PetscFree(sc.runs.r));
  PetscCall(AnyErrorBelow(comm, &err, KEY_FATAL, &any));
  if (!any) PetscCall(CheckDuplicates(d, comm, &subj, &err));
  PetscCall(AnyErrorBelow(comm, &err, KEY_FATAL, &any)); /* memory: duplicate IDs are reported with the rows */
  if (any) {
    close(fd);
    PetscCall(PetscFree(subj.r));
    PetscCall(PetscLogEventEnd(PNLME_DataPartition, d, 0, 0, 0));
    PetscCall(PnlmeDeferredErrorRaise(comm, &err));
  }
  PetscCall(Partition(d, comm, fsize, &subj, &part));
  PetscCall(PetscFree(subj.r));
  PetscCall(PetscLogEventEnd(PNLME_DataPartition, d, 0, 0, 0));

  /* 5. ADDL expansion: when the file has any, every row and subject is validated first, without building
     anything, and the expansion is bounded by -data_max_events: checkpoint 2 */
  PetscCall(PetscTime(&t2));
  PetscCall(PetscLogEventBegin(PNLME_DataRead, d, 0, 0, 0));
  if (nrows && part.gentotal > 0) {
    Store vst;
    PetscCall(PetscMemzero(&vst, sizeof(vst)));
    vst.dropline = INT64_MAX;
    PetscCall(ParseRange(d, fd, fsize, &part, PASS_VALIDATE, &vst, &err));
    if (part.gentotal > d->maxevents) /* found at its row above; this only if the counts disagreed */
      PnlmeDeferredErrorSet(&err, PNLME_NO_ERROR_KEY - 1, "%s: ADDL expansion adds %" PetscInt64_FMT " timeline entries, more than the limit -data_max_events %" PetscInt64_FMT, d->file, part.gentotal, d->maxevents);
    PetscCall(AnyError(comm, &err, &any));
    if (any) {
      close(fd);
      PetscCall(PetscLogEventEnd(PNLME_DataRead, d, 0, 0, 0));
      PetscCall(PnlmeDeferredErrorRaise(comm, &err));
    }
  }

  /* 6. parse this rank's subjects and build the arrays: checkpoint 3 */
  st.tmin     = PETSC_MAX_REAL;
  st.tmax     = -PETSC_MAX_REAL;
  st.dropline = INT64_MAX;
  if (nrows) PetscCall(ParseRange(d, fd, fsize, &part, PASS_BUILD, &st, &err));
  close(fd);
  PetscCall(PetscTime(&t3));
  PetscCall(PetscLogEventEnd(PNLME_DataRead, d, 0, 0, 0));
  PetscCall(PetscInfo(d, "%s: scan %.3f s, merge and partition %.3f s, parse %.3f s (%" PetscInt64_FMT " subjects here)\n", d->file, t1 - t0, t2 - t1, t3 - t2, part.nsub));
  PetscCall(AnyError(comm, &err, &any));
  if (any) {
    PetscCall(PetscFree(st.raw));
    PetscCall(PnlmeDataResetStorage(d));
    PetscCall(PnlmeDeferredErrorRaise(comm, &err));
  }
  PetscCheck(st.nparsed == part.nsub && st.nkept == part.nkept, PETSC_COMM_SELF, PETSC_ERR_PLIB, "scan and parse disagree: %" PetscInt64_FMT " and %" PetscInt64_FMT " subjects", part.nsub, st.nparsed);
  PetscCheck(st.nkept < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP, "more than %d subjects on one rank: use more ranks", (int)PETSC_MAX_INT);
  d->nsub    = (PetscInt)st.nkept;
  d->gstart  = part.gstart;
  d->nglobal = part.nglobal;

  /* covariates (collective): checkpoint 4 */
  PetscCall(PnlmeDataCovariatesFinish(d, st.raw, &err));
  PetscCall(PetscFree(st.raw));
  PetscCall(AnyError(comm, &err, &any));
  if (any) {
    PetscCall(PnlmeDataResetStorage(d));
    PetscCall(PnlmeDeferredErrorRaise(comm, &err));
  }

  /* global summary */
  {
    PetscInt64 s[9] = {st.nobs, st.nrows, st.ndoserec, st.ndoseexp, st.ninf, st.nreset, st.ndropped, st.nobsign, st.nss}, sg[9];
    PetscReal  mm[2] = {-st.tmin, st.tmax}, mmg[2];
    PetscInt   mx[2] = {st.maxobs, st.maxev}, mxg[2];
    PetscInt64 dl[2] = {st.dropline, 0}, dlg[2];
    PetscCallMPI(MPI_Allreduce(s, sg, 9, MPIU_INT64, MPI_SUM, comm));
    PetscCallMPI(MPI_Allreduce(mm, mmg, 2, MPIU_REAL, MPI_MAX, comm));
    PetscCallMPI(MPI_Allreduce(mx, mxg, 2, MPIU_INT, MPI_MAX, comm));
    PetscCallMPI(MPI_Allreduce(&dl[0], &dlg[0], 1, MPIU_INT64, MPI_MIN, comm));
    dl[1] = (st.dropline == dlg[0] && st.ndropped) ? st.dropid : INT64_MAX;
    PetscCallMPI(MPI_Allreduce(&dl[1], &dlg[1], 1, MPIU_INT64, MPI_MIN, comm));
    d->nobslocal   = st.nobs;
    d->nobsglobal  = sg[0];
    d->nrows       = sg[1];
    d->ndoserec    = sg[2];
    d->ndoseexp    = sg[3];
    d->ninfusion   = sg[4];
    d->nreset      = sg[5];
    d->ndropped    = sg[6];
    d->nobsignored = sg[7];
    d->nss         = sg[8];
    d->dropfirstid = dlg[1];
    d->tmin        = -mmg[0];
    d->tmax        = mmg[1];
    d->maxobs      = mxg[0];
    d->maxev       = mxg[1];
    if (d->nglobal == 0) d->tmin = d->tmax = 0;
  }
  /* shrink the arrays to what is used */
  if (st.capobs > st.nobs && st.nobs > 0) {
    PetscCall(PetscRealloc((size_t)st.nobs * sizeof(PetscReal), &d->tobs));
    PetscCall(PetscRealloc((size_t)st.nobs * sizeof(PetscReal), &d->dv));
    PetscCall(PetscRealloc((size_t)st.nobs * sizeof(PetscInt), &d->obsout));
    if (d->cens) PetscCall(PetscRealloc((size_t)st.nobs * sizeof(PetscInt), &d->cens));
    if (d->limit) PetscCall(PetscRealloc((size_t)st.nobs * sizeof(PetscReal), &d->limit));
  }
  if (st.capev > st.nev && st.nev > 0) PetscCall(PetscRealloc((size_t)st.nev * sizeof(PnlmeEvent), &d->ev));
  if (d->nobscmt > 0 && d->nobsglobal == 0) {
    char list[256] = "", item[32];
    for (PetscInt c = 0; c < d->nobscmt; c++) {
      PetscCall(PetscSNPrintf(item, sizeof(item), "%s%" PetscInt_FMT, c ? "," : "", d->obscmt[c]));
      PetscCall(PetscStrlcat(list, item, sizeof(list)));
    }
    PetscCall(PnlmeDataResetStorage(d));
    SETERRQ(comm, PETSC_ERR_USER, "option -data_observed_cmt %s: no observation row of %s has %s %s", list, d->file, d->nobscmt > 1 ? "one of the CMT values" : "CMT", list);
  }
  /* the model's work arrays for the largest subject (models with lags or bioavailabilities) */
  if (d->model) PetscCall(PnlmeModelSetMaxSizes(d->model, d->maxobs, d->maxev));
  d->loaded = PETSC_TRUE;
  if (d->ndropped)
    PetscCall(PetscFPrintf(comm, PETSC_STDERR, "warning: %" PetscInt64_FMT " subject%s without observations dropped (first: ID %" PetscInt64_FMT ")\n", d->ndropped, d->ndropped > 1 ? "s" : "", d->dropfirstid));
  if (d->partitionview) PetscCall(PnlmeDataViewPartition(d, PETSC_VIEWER_STDOUT_(comm)));
  PetscFunctionReturn(0);
}
