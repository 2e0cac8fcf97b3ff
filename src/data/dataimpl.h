/* Private: the PnlmeData object, the CSV tokeniser and the pieces of the parallel reader.

   Storage is compressed per rank: subject i of this rank owns observations [obsptr[i], obsptr[i+1])
   of the flat arrays tobs/dv/obsout/cens/limit, timeline entries [evptr[i], evptr[i+1]) of ev, and
   the design row design[i*ndesign .. (i+1)*ndesign). */
#pragma once
#include <petsc/private/petscimpl.h>
#include <pnlmesys.h>
#include <pnlmedata.h>
#include <pnlmemodel.h>

#define PNLME_DATA_MAX_NAME   64
#define PNLME_DATA_MAX_LEVELS 64

/* the standard NONMEM columns, in this order */
typedef enum {
  PNLME_COL_ID = 0,
  PNLME_COL_TIME,
  PNLME_COL_DV,
  PNLME_COL_AMT,
  PNLME_COL_EVID,
  PNLME_COL_MDV,
  PNLME_COL_CMT,
  PNLME_COL_RATE,
  PNLME_COL_II,
  PNLME_COL_ADDL,
  PNLME_COL_CENS,
  PNLME_COL_LIMIT,
  PNLME_COL_SS, /* read only to refuse steady-state doses */
  PNLME_NCOL_STD
} PnlmeColumn;
PETSC_INTERN const char *const PnlmeDataStdColumns[];

/* one covariate as requested, and what the load found out about it */
typedef struct {
  char               name[PNLME_DATA_MAX_NAME];
  PnlmeCovariateKind kind;
  char               ref[PNLME_DATA_MAX_NAME]; /* cat: reference level as given ("" = smallest) */
  PetscBool          hasrefvalue;              /* log, center: an explicit reference (log(70)), not the mean */
  PetscReal          refvalue;
  PetscInt           col;                      /* column in the file */
  /* over the kept subjects (collective, identical on every rank) */
  PetscReal          mean, min, max;
  PetscInt           nlevels, iref;
  PetscReal          levels[PNLME_DATA_MAX_LEVELS];
  PetscInt64         count[PNLME_DATA_MAX_LEVELS];
  PetscInt           design0; /* first design column */
} PnlmeCovSpec;

/* ---------------------------------------------------------------- allocation without raising */
/* Runs `call` (an allocation returning a PetscErrorCode) so that a lack of memory does not raise: ok is
   PETSC_FALSE when the allocation fails, whatever the error code (PETSc 3.18's PetscMallocAlign does not
   always report PETSC_ERR_MEM): the caller records a one-line message naming the file and what it was
   allocating, then stops its work until the next collective checkpoint. */
#define PNLME_DATA_TRY_ALLOC(ok, call) \
  do { \
    PetscErrorCode ierr_try_; \
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); \
    ierr_try_ = (call); \
    PetscCall(PetscPopErrorHandler()); \
    (ok) = (PetscBool)(ierr_try_ == 0); \
  } while (0)

/* *pp (an array of nold elements of `size` bytes, or NULL) becomes an array of nnew elements keeping the
   first min(nold, nnew); when the memory is not available *ok = PETSC_FALSE and *pp is unchanged */
static inline PetscErrorCode PnlmeDataTryGrow(size_t nold, size_t nnew, size_t size, void *pp, PetscBool *ok)
{
  char **p = (char **)pp, *q = NULL;

  PetscFunctionBegin;
  *ok = PETSC_FALSE;
  if (size && nnew > SIZE_MAX / size) PetscFunctionReturn(0);
  PNLME_DATA_TRY_ALLOC(*ok, PetscMalloc(PetscMax(nnew * size, 1), &q));
  if (!*ok) PetscFunctionReturn(0);
  if (nold && *p) PetscCall(PetscMemcpy(q, *p, PetscMin(nold, nnew) * size));
  PetscCall(PetscFree(*p));
  *p = q;
  PetscFunctionReturn(0);
}

/* records "FILE: out of memory on rank R: cannot allocate WHAT (N bytes)" (key 0: reported first) */
PETSC_INTERN void PnlmeDataOutOfMemory(PnlmeData, PnlmeDeferredError *, const char what[], double bytes);

/* ---------------------------------------------------------------- tokenising (csvparse.c) */
typedef struct {
  const char *p;
  size_t      n;
} PnlmeField;

/* NOTINT and RANGE only from PnlmeCSVParseInteger */
typedef enum { PNLME_NUM_OK = 0, PNLME_NUM_MISSING, PNLME_NUM_BAD, PNLME_NUM_NONFINITE, PNLME_NUM_NOTINT, PNLME_NUM_RANGE } PnlmeNumStatus;

/* Splits a line (without its newline) at commas into trimmed fields (spaces, tabs, a trailing CR and
   enclosing double quotes removed); stores at most maxf of them and returns the number of fields. */
PETSC_INTERN PetscInt       PnlmeCSVSplit(const char *line, size_t len, PnlmeField f[], PetscInt maxf);
/* '.' or an empty field is MISSING; the whole field must be a decimal number (spaces and tabs around it
   are ignored; any length, correctly rounded); inf/nan and numbers that overflow are NONFINITE */
PETSC_INTERN PnlmeNumStatus PnlmeCSVParseReal(const PnlmeField *f, PetscReal *x);
/* an integer written in decimal whose exact value is at most maxabs in magnitude: NOTINT when the text's
   value is not an integer, RANGE when it is larger */
PETSC_INTERN PnlmeNumStatus PnlmeCSVParseInteger(const PnlmeField *f, PetscInt64 maxabs, PetscInt64 *v);
/* why a BAD field is not a number, for messages: "" or " (it contains the control character 0x0B)", ... */
PETSC_INTERN void           PnlmeCSVBadReason(const PnlmeField *f, char buf[], size_t size);
PETSC_INTERN PetscBool      PnlmeCSVIsBlank(const char *line, size_t len);
/* prints a field for a message (truncated, quoted characters only) */
PETSC_INTERN void           PnlmeCSVFieldText(const PnlmeField *f, char buf[], size_t size);

/* A bounded-buffer reader of the lines that START in the byte range [begin, end) of a file. */
typedef struct {
  int        fd;
  char      *buf;
  size_t     cap, lo, hi; /* valid bytes buf[lo, hi) */
  PetscInt64 bufoff;      /* file offset of buf[0] */
  PetscInt64 pos;         /* offset of the next line start */
  PetscInt64 end;         /* no line starting at or after end is returned */
  PetscInt64 fsize;
  PetscBool  ioerror;
  PetscBool  oom;         /* the buffer could not be allocated or grown: no more lines */
  size_t     oombytes;    /* the size that could not be allocated */
} PnlmeLineReader;
/* without the memory for the buffer, r->oom is set and the reader returns no line */
PETSC_INTERN PetscErrorCode PnlmeLineReaderCreate(int fd, PetscInt64 fsize, size_t bufsize, PnlmeLineReader *);
/* positions the reader: if align, the first line starting at or after begin, else exactly begin */
PETSC_INTERN PetscErrorCode PnlmeLineReaderSeek(PnlmeLineReader *, PetscInt64 begin, PetscInt64 end, PetscBool align);
/* next line (without '\n'); *got = PETSC_FALSE at the end of the range */
PETSC_INTERN PetscErrorCode PnlmeLineReaderNext(PnlmeLineReader *, const char **line, size_t *len, PetscInt64 *offset, PetscBool *got);
PETSC_INTERN PetscErrorCode PnlmeLineReaderDestroy(PnlmeLineReader *);

/* ---------------------------------------------------------------- one row (events.c) */
typedef struct {
  PetscInt64 id;
  PetscReal  time, dv, amt, rate, ii, cens, limit;
  PetscInt   evid, mdv, cmt, addl, ss;
  PetscBool  idok, dvmissing, evidmissing, mdvmissing, cmtmissing, limitmissing;
  PetscBool  obsignored; /* an observation row of a CMT that -data_observed_cmt leaves out (read as MDV 1) */
} PnlmeRow;

/* what a row contributes to a subject */
typedef struct {
  PetscBool isobs, isdose, isreset, isinf;
  PetscBool isss;  /* a steady-state dose (SS 1 or 2): a STEADY_STATE entry before it (SS 1: and a RESET) */
  PetscInt  ndose; /* doses including ADDL repetitions */
  PetscInt  nev;   /* timeline entries */
  PetscInt  ngen;  /* of which generated by ADDL: the repeated doses (and their infusion ends) */
} PnlmeRowKind;

/* classification shared by the scan and the full parse; tolerant of invalid values */
PETSC_INTERN void PnlmeRowClassify(const PnlmeRow *, PnlmeRowKind *);

/* a per-subject timeline builder with reusable scratch space */
typedef struct {
  PetscInt   n, cap;
  PetscReal *t;      /* per entry: time */
  PetscInt  *grp;    /* 0: from a row, 1: generated (ADDL dose, infusion end) */
  PetscInt  *seq;    /* creation order */
  PetscInt  *link;   /* infusion start: entry of its end; otherwise -1 */
  PnlmeEvent *e;
  PetscInt  *perm;
  PetscBool *cancel;
  PetscBool  sorted; /* no generated entry yet: creation order is time order */
  PetscBool  oom;    /* the scratch space could not grow: the row was not added */
  size_t     oombytes;
} PnlmeTimeline;
PETSC_INTERN PetscErrorCode PnlmeTimelineReset(PnlmeTimeline *);
/* without the memory to grow, tl->oom is set and the row is not added */
PETSC_INTERN PetscErrorCode PnlmeTimelineAddRow(PnlmeTimeline *, const PnlmeRow *, const PnlmeRowKind *, PetscInt obsindex, PetscInt doseindex);
/* writes the subject's sorted timeline (exactly n entries) to out */
PETSC_INTERN PetscErrorCode PnlmeTimelineFinish(PnlmeTimeline *, PnlmeEvent out[], PetscInt *nout);
PETSC_INTERN PetscErrorCode PnlmeTimelineDestroy(PnlmeTimeline *);

/* parsing rows of a given header: the used columns in column order */
#define PNLME_DATA_MAX_ADDL 1000000
/* -data_max_events: timeline entries that ADDL expansion may add to the whole file (default, largest) */
#define PNLME_DATA_MAX_EVENTS_DEFAULT 10000000
#define PNLME_DATA_MAX_EVENTS_LIMIT   1000000000 /* as the range of -data_max_events in data.c's option table */
typedef struct {
  PetscInt col, what; /* what: a PnlmeColumn, or PNLME_NCOL_STD + covariate */
} PnlmeFieldJob;
typedef struct {
  PnlmeData      d;
  PetscBool      full; /* FALSE: the scan (classifying fields only, no messages) */
  PetscInt       njob, maxf;
  PnlmeFieldJob *job;
  PnlmeField    *f;
  const char    *modelname;
  PetscInt       nout;        /* the model's outputs (0 without a model) */
  char           outputs[256]; /* with two or more: "C on CMT 2, PCA on CMT 3", for the message of an observation without CMT */
} PnlmeRowParser;
/* without the memory for the fields, *ok = PETSC_FALSE (and nothing to destroy) */
PETSC_INTERN PetscErrorCode PnlmeRowParserCreate(PnlmeData, PetscBool full, PnlmeRowParser *, PetscBool *ok);
PETSC_INTERN PetscErrorCode PnlmeRowParserDestroy(PnlmeRowParser *);
/* parses line L; in a full parse problems are recorded in err (key 4*L) and *ok says whether the row is valid;
   cov[] receives the covariates (NaN when missing) */
PETSC_INTERN PetscErrorCode PnlmeRowParse(PnlmeRowParser *, const char *line, size_t len, PetscInt64 L, PnlmeRow *, PetscReal cov[], PnlmeDeferredError *, PetscBool *ok);
PETSC_INTERN PetscErrorCode PnlmeRowObsOutput(PnlmeRowParser *, const PnlmeRow *, PetscInt *iout);

/* ---------------------------------------------------------------- the object */
typedef struct {
  PetscErrorCode (*dummy)(void);
} _PnlmeDataOps;

struct _p_PnlmeData {
  PETSCHEADER(_PnlmeDataOps);
  /* settings */
  char          file[PETSC_MAX_PATH_LEN];
  char          stdname[PNLME_NCOL_STD][PNLME_DATA_MAX_NAME]; /* file's name of each standard column */
  PetscInt      ncovspec;
  PnlmeCovSpec *covspec;
  PnlmeModel    model;
  PetscBool     partitionview;
  size_t        bufsize;
  PetscInt64    maxevents; /* -data_max_events */
  PetscInt      nobscmt;   /* -data_observed_cmt: observation rows of other CMT values are ignored (0: all kept) */
  PetscInt      obscmt[16];
  PetscBool     blqdrop;   /* -data_blq drop: censored observations (CENS != 0) are left out */
  PetscBool     loaded;

  /* header */
  PetscInt ncol;
  char   (*colname)[PNLME_DATA_MAX_NAME];
  PetscInt stdcol[PNLME_NCOL_STD]; /* -1 when absent */

  /* local subjects */
  PetscInt    nsub;
  PetscInt64  gstart, nglobal, ndropped, dropfirstid;
  PetscInt64 *id, *line, *obsptr, *evptr;
  PetscReal  *tobs, *dv, *limit;
  PetscInt   *obsout, *cens;
  PnlmeEvent *ev;
  PetscInt    ndesign;
  char      **designname;
  PetscReal  *design;

  /* global summary (identical on every rank) */
  PetscInt64 nobsglobal, nobslocal, nrows, ndoserec, ndoseexp, ninfusion, nreset, nss;
  PetscInt64 nobsignored; /* observation rows left out by -data_observed_cmt */
  PetscReal  tmin, tmax;
  PetscInt   maxobs, maxev;
  /* partition: subjects and cost per rank */
  PetscMPIInt size;
  PetscInt64 *partnsub, *partcost;
};

/* data.c: two standard columns, or one and a covariate, naming the same column (collective, same on every rank) */
PETSC_INTERN PetscErrorCode PnlmeDataCheckColumnRoles(PnlmeData);
/* read.c */
PETSC_INTERN PetscErrorCode PnlmeDataReadHeader(PnlmeData, int fd, PetscInt64 fsize, PetscInt64 *datastart, PnlmeDeferredError *);
PETSC_INTERN PetscErrorCode PnlmeDataResetStorage(PnlmeData);
/* covariates.c */
PETSC_INTERN PetscErrorCode PnlmeDataParseCovariateOption(PnlmeData, const char str[]);
/* collective: statistics over the kept subjects, levels, design columns; raw[nsub * ncovspec] */
PETSC_INTERN PetscErrorCode PnlmeDataCovariatesFinish(PnlmeData, const PetscReal *raw, PnlmeDeferredError *);
PETSC_INTERN const char    *PnlmeDataFileName(PnlmeData);
