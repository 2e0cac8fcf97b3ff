/* Checkpoint and restart of the SAEM iterations (-checkpoint_every K, -checkpoint_file PATH,
   -restart FILE).  A checkpoint holds the whole state at the end of an iteration: population
   parameters, statistics, adaptive scales, iteration history, and for every subject its chains, their
   cached log-likelihoods and predictions, random streams and moment accumulators.  Per-subject and
   per-observation arrays are stored in global subject order, so a run may continue at another number
   of ranks; since the iterations are bitwise independent of the partition, a restarted run ends with
   the results of an uninterrupted one.

   Atomicity: all ranks write PATH.tmp collectively, flush it to storage and close it; after every rank
   has closed it, rank 0 renames it to PATH.  A run killed at any moment leaves either the previous
   checkpoint or the new one under PATH.

   A restart refuses a checkpoint of another model, dataset or iteration settings: the file records
   what determines the iterations (model, integrator, parameter and covariate names, estimated
   columns, error model, subjects and observations, chains, K1, K2, kernels, annealing, non-centred
   steps, seed) and
   every subject's ID and number of observations.

   Integrity: every dataset and every group carries a checksum (below), and a restart refuses a
   checkpoint whose contents do not match them, naming the damaged dataset or group, or whose
   restored values cannot be a state (NaN in the chains, B, Omega, the error parameters or the
   statistics). */
#include "fit/io/h5io.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

PETSC_INTERN PetscErrorCode PnlmeFitStatSize(PnlmeFit, PetscInt *);

#define CHECKPOINT_FORMAT "pnlme-checkpoint"
#define CHECKPOINT_FORMAT_VERSION 8 /* 5: checksums; 6: random effects removed at their boundary, held values; 7: error parameters per output; 8: the exploration's last variance parameters */

/* the random-stream struct as an HDF5 compound: native layout in memory, packed little-endian in the file */
static void RNGTypes(hid_t *mem, hid_t *file)
{
  hsize_t two = 2, four = 4;
  hid_t   m2 = H5Tarray_create2(H5T_NATIVE_UINT64, 1, &two), m4 = H5Tarray_create2(H5T_NATIVE_UINT64, 1, &four);
  hid_t   f2 = H5Tarray_create2(H5T_STD_U64LE, 1, &two), f4 = H5Tarray_create2(H5T_STD_U64LE, 1, &four);
  *mem = H5Tcreate(H5T_COMPOUND, sizeof(PnlmeRNG));
  H5Tinsert(*mem, "key", HOFFSET(PnlmeRNG, key), m2);
  H5Tinsert(*mem, "ctr", HOFFSET(PnlmeRNG, ctr), m4);
  H5Tinsert(*mem, "buf", HOFFSET(PnlmeRNG, buf), m4);
  H5Tinsert(*mem, "nbuf", HOFFSET(PnlmeRNG, nbuf), H5T_NATIVE_INT32);
  H5Tinsert(*mem, "hasnormal", HOFFSET(PnlmeRNG, hasnormal), H5T_NATIVE_INT32);
  H5Tinsert(*mem, "normal", HOFFSET(PnlmeRNG, normal), H5T_NATIVE_DOUBLE);
  *file = H5Tcreate(H5T_COMPOUND, 96);
  H5Tinsert(*file, "key", 0, f2);
  H5Tinsert(*file, "ctr", 16, f4);
  H5Tinsert(*file, "buf", 48, f4);
  H5Tinsert(*file, "nbuf", 80, H5T_STD_I32LE);
  H5Tinsert(*file, "hasnormal", 84, H5T_STD_I32LE);
  H5Tinsert(*file, "normal", 88, H5T_IEEE_F64LE);
  H5Tclose(m2);
  H5Tclose(m4);
  H5Tclose(f2);
  H5Tclose(f4);
}

/* What determines the iterations, as text: compared field by field on restart */
#define NKEYS 32
typedef struct {
  char key[NKEYS][32];
  char val[NKEYS][1024];
  int  n;
} Fingerprint;

static PetscErrorCode FingerprintAdd(Fingerprint *fp, const char key[], const char val[])
{
  PetscFunctionBegin;
  PetscCheck(fp->n < NKEYS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many checkpoint keys");
  PetscCall(PetscStrncpy(fp->key[fp->n], key, sizeof(fp->key[0])));
  PetscCall(PetscStrncpy(fp->val[fp->n], val, sizeof(fp->val[0])));
  fp->n++;
  PetscFunctionReturn(0);
}

static PetscErrorCode FingerprintAddInt(Fingerprint *fp, const char key[], PetscInt64 v)
{
  char buf[64];
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt64_FMT, v));
  PetscCall(FingerprintAdd(fp, key, buf));
  PetscFunctionReturn(0);
}

/* names joined by commas (truncated names would only weaken the comparison, never break it) */
static void Join(char out[], size_t len, const char *s)
{
  size_t n = strlen(out);
  if (n && n + 1 < len) out[n++] = ',', out[n] = 0;
  if (n < len) snprintf(out + n, len - n, "%s", s);
}

static PetscErrorCode FitFingerprint(PnlmeFit fit, Fingerprint *fp)
{
  const char        *s;
  char               buf[1024] = "", name[160];
  PetscInt           ncov;
  const char *const *cov;
  PetscFunctionBegin;
  fp->n = 0;
  PetscCall(PnlmeModelGetType(fit->model, &s));
  PetscCall(FingerprintAdd(fp, "model", s));
  PetscCall(PnlmeModelGetIntegratorName(fit->model, &s));
  PetscCall(FingerprintAdd(fp, "integrator", s));
  for (PetscInt k = 0; k < fit->p; k++) {
    PetscCall(PnlmeModelGetParameterName(fit->model, k, &s));
    Join(buf, sizeof(buf), s);
  }
  PetscCall(FingerprintAdd(fp, "parameters", buf));
  buf[0] = 0;
  PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, &cov));
  for (PetscInt c = 0; c < ncov; c++) Join(buf, sizeof(buf), cov[c]);
  PetscCall(FingerprintAdd(fp, "covariates", buf));
  buf[0] = 0;
  for (PetscInt c = 0; c < fit->nhist; c++) {
    PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
    Join(buf, sizeof(buf), name);
  }
  PetscCall(FingerprintAdd(fp, "estimated", buf));
  PetscCall(PnlmeErrorDescribe(&fit->pop, buf, sizeof(buf)));
  PetscCall(FingerprintAdd(fp, "error_model", buf));
  PetscCall(PnlmeFitOmegaStructure(fit, buf, sizeof(buf)));
  PetscCall(FingerprintAdd(fp, "omega_structure", buf));
  buf[0] = 0;
  for (PetscInt k = 0; k < fit->p; k++) {
    const char *pn;
    if (!fit->pop.fixed[k] || fit->pop.dropped[k] >= 0) continue; /* -fit_fixed (the removed ones are state: /pop/dropped) */
    PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
    Join(buf, sizeof(buf), pn);
  }
  PetscCall(FingerprintAdd(fp, "fixed_effects_only", buf));
  buf[0] = 0;
  for (PetscInt j = 0; j < fit->q * fit->p; j++) { /* -fit_fix: the entries held and their values */
    char item[64];
    if (!fit->pop.hold[j]) continue;
    PetscCall(PetscSNPrintf(item, sizeof(item), "%" PetscInt_FMT "=%a", j, (double)fit->pop.B[j]));
    Join(buf, sizeof(buf), item);
  }
  PetscCall(FingerprintAdd(fp, "held", buf));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%a", (double)fit->omegamin));
  PetscCall(FingerprintAdd(fp, "omega_boundary", buf));
  PetscCall(FingerprintAdd(fp, "estimator", ((PetscObject)fit)->type_name));
  if (fit->ops->fingerprint) { /* what determines the type's iterations besides the common items */
    PetscCall((*fit->ops->fingerprint)(fit, buf, sizeof(buf)));
    PetscCall(FingerprintAdd(fp, ((PetscObject)fit)->type_name, buf));
  }
  PetscCall(FingerprintAddInt(fp, "n_subjects", fit->N));
  PetscCall(FingerprintAddInt(fp, "n_observations", fit->Ntot));
  PetscCall(FingerprintAddInt(fp, "n_chains", fit->nchains));
  PetscCall(FingerprintAddInt(fp, "k1", fit->K1min));
  PetscCall(FingerprintAddInt(fp, "k1_max", fit->autostop ? fit->K1max : fit->K1min));
  PetscCall(FingerprintAddInt(fp, "explore_average", fit->itring != NULL)); /* SAEM's -saem_explore_average */
  PetscCall(FingerprintAddInt(fp, "auto_window", fit->autostop || fit->itring ? fit->autowin : 0)); /* the settling window, the averaged one */
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%a", (double)(fit->autostop ? fit->autotol : 0))); /* exact */
  PetscCall(FingerprintAdd(fp, "auto_tol", buf));
  PetscCall(FingerprintAddInt(fp, "k2", fit->K2));
  PetscCall(FingerprintAddInt(fp, "seed", fit->seed));
  PetscCall(FingerprintAddInt(fp, "sa_iterations", fit->saiter));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT ",%" PetscInt_FMT ",%d", fit->ncevery, fit->ncmaxit, (int)fit->ncsmooth));
  PetscCall(FingerprintAdd(fp, "non_centred", buf));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT, fit->nkern[0], fit->nkern[1], fit->nkern[2]));
  PetscCall(FingerprintAdd(fp, "kernels", buf));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT, fit->nkernx[0], fit->nkernx[1], fit->nkernx[2]));
  PetscCall(FingerprintAdd(fp, "kernels_explore", buf));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%a", (double)fit->safactor)); /* exact */
  PetscCall(FingerprintAdd(fp, "sa_factor", buf));
  { /* the ODE tolerance of the iterations */
    PetscReal rtol;
    PetscBool dense;
    PetscCall(PnlmeModelGetRelativeTolerance(fit->model, &rtol)); /* called during the iterations: the Monte-Carlo settings */
    PetscCall(PnlmeModelGetDenseOutput(fit->model, &dense));
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "%a%s", (double)rtol, dense ? ",dense" : ""));
    PetscCall(FingerprintAdd(fp, "ode_mc", buf));
  }
  PetscFunctionReturn(0);
}

/* the checkpoint file and its directory (created by rank 0 if missing) */
static PetscErrorCode CheckpointPath(PnlmeFit fit, char path[], size_t len)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscMPIInt rank;
  int         err = 0;
  char        dir[PETSC_MAX_PATH_LEN], *slash;
  PetscFunctionBegin;
  if (fit->ckfile[0]) PetscCall(PetscStrncpy(path, fit->ckfile, len));
  else if (fit->outdir[0]) PetscCall(PetscSNPrintf(path, len, "%s/checkpoint.h5", fit->outdir));
  else PetscCall(PetscStrncpy(path, "checkpoint.h5", len));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscStrncpy(dir, path, sizeof(dir)));
  slash = strrchr(dir, '/');
  if (!slash) PetscCall(PetscStrncpy(dir, ".", sizeof(dir)));
  else if (slash != dir) *slash = 0;
  else dir[1] = 0; /* "/" */
  if (!rank) {
    struct stat st;
    err = PnlmeMakeDirectory(dir);
    if (!err && (stat(dir, &st) || !S_ISDIR(st.st_mode))) err = ENOTDIR;
    if (!err && access(dir, W_OK)) err = errno;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "checkpoint %s: cannot write in the directory %s: %s", path, dir, strerror(err));
  PetscFunctionReturn(0);
}

/* the global offset of this rank's first observation */
static PetscErrorCode ObservationOffset(PnlmeFit fit, PetscInt64 *nobsl, PetscInt64 *ostart)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscInt64  nobsg;
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PnlmeDataGetNumObservations(fit->data, nobsl, &nobsg));
  *ostart = 0;
  PetscCallMPI(MPI_Exscan(nobsl, ostart, 1, MPIU_INT64, MPI_SUM, comm));
  if (!rank) *ostart = 0;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ integrity

   Checksums.  Every dataset carries an attribute "checksum" (u64): the XOR over its rows r (first
   dimension, global order) of XXH64(row r's bytes as stored in the file, seed r).  Keyed by the global
   row, combined by XOR, it does not depend on which rank holds which rows: each rank hashes its own
   rows and an MPI_BXOR reduction gives the checkpoint's value at any number of ranks.  Every group
   (the root included) carries an attribute "checksum" too: the XOR over its other attributes of
   XXH64(the attribute's stored bytes, seed XXH64(its name, 0)).

   Why not HDF5's Fletcher32 filter, which parallel HDF5 1.10.8 does apply with collective writes: it
   needs chunked datasets (PnlmeH5WriteRows, shared with results.h5, writes contiguous ones); a chunk
   zeroed together with its stored checksum reads back without error (the Fletcher-32 of zeros is 0,
   checked with 1.10.8), zeroed blocks being a usual form of damage; and it covers no attributes
   (iteration count, error parameters).  XXH64 is short (src/sys/hash.c), so no library either.

   Coverage is automatic: CkWriteRows/CkWriteShared write a dataset and its checksum, CkReadRows/
   CkReadShared read one and verify it (and its values); CkSeal, at the end of a write, gives every
   group its checksum and fails if some dataset has none (written without the helpers); a restart first
   verifies every group's attributes (CkVerifyGroups), then every dataset as it is read, and at the end
   fails if the file holds a dataset that was not restored. */
#define CK_ATTR     "checksum"
#define CK_MAXOBJ   64
#define CK_NAMELEN  128

typedef enum {
  CK_ANY,    /* any value (identifiers, random streams, cached predictions, history) */
  CK_FINITE, /* finite: chains, population parameters, adaptive scales, moments */
  CK_NONAN,  /* not NaN (a sum of squares may overflow; a failed chain's term is -inf) */
  CK_LOGLIK  /* not NaN nor +inf (-inf marks a failed chain) */
} CkValues;

typedef struct {
  PnlmeH5 *h;
  int      nfile, nread;                      /* the file's datasets (CkVerifyGroups), those restored */
  char     file[CK_MAXOBJ][CK_NAMELEN], read[CK_MAXOBJ][CK_NAMELEN];
} CkList;

/* "/group/name" of dataset name in loc */
static void CkFullName(hid_t loc, const char name[], char full[], size_t len)
{
  char    g[CK_NAMELEN] = "";
  ssize_t n = loc >= 0 ? H5Iget_name(loc, g, sizeof(g)) : -1;
  if (n <= 0 || !strcmp(g, "/")) snprintf(full, len, "/%s", name);
  else snprintf(full, len, "%s/%s", g, name);
}

/* a failure that is not HDF5's: no stale reason from HDF5's error stack in the message */
#define CkFail(h, ...) \
  do { \
    H5Eclear2(H5E_DEFAULT); \
    PnlmeH5Fail((h), __VA_ARGS__); \
  } while (0)

/* XOR over the rows [start, start + nrows) held in buf (memtype) of XXH64(the row in filetype, seed = its global index) */
static PetscErrorCode CkRowsHash(PnlmeH5 *h, hid_t memtype, hid_t filetype, size_t rowelems, hsize_t start, hsize_t nrows, const void *buf, uint64_t *hash)
{
  const char *b  = (const char *)buf;
  size_t      ms = H5Tget_size(memtype), fs = H5Tget_size(filetype), mrow = ms * rowelems, frow = fs * rowelems;
  PetscFunctionBegin;
  *hash = 0;
  if (!nrows || !buf) PetscFunctionReturn(0);
  if (!ms || !fs) {
    PnlmeH5Fail(h, "cannot get the size of a datatype");
    PetscFunctionReturn(0);
  }
  if (H5Tequal(memtype, filetype) > 0) { /* f64 and i64 on little-endian machines: the bytes in memory are the file's */
    for (hsize_t r = 0; r < nrows; r++) *hash ^= PnlmeHash64(b + r * mrow, frow, start + r);
  } else { /* in blocks of rows converted to the file type (H5Tconvert converts in place) */
    size_t  rmax = PetscMax(PetscMax(mrow, frow), 1);
    hsize_t nb   = PetscMax(65536 / rmax, 1);
    char   *tmp, *bkg;
    PetscCall(PetscMalloc2(nb * rmax, &tmp, nb * PetscMax(frow, 1), &bkg));
    for (hsize_t r0 = 0; r0 < nrows; r0 += nb) {
      hsize_t n = PetscMin(nb, nrows - r0);
      memcpy(tmp, b + r0 * mrow, n * mrow);
      memset(bkg, 0, n * PetscMax(frow, 1));
      PnlmeH5Check(h, H5Tconvert(memtype, filetype, n * rowelems, tmp, bkg, H5P_DEFAULT), "cannot convert data to its file type");
      for (hsize_t r = 0; r < n; r++) *hash ^= PnlmeHash64(tmp + r * frow, frow, start + r0 + r);
    }
    PetscCall(PetscFree2(tmp, bkg));
  }
  PetscFunctionReturn(0);
}

static void CkWriteChecksum(PnlmeH5 *h, hid_t obj, const char what[], uint64_t sum)
{
  hid_t space = H5Screate(H5S_SCALAR), a;
  a           = H5Acreate2(obj, CK_ATTR, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  PnlmeH5Check(h, a, "cannot create the checksum of %s", what);
  if (a >= 0) {
    PnlmeH5Check(h, H5Awrite(a, H5T_NATIVE_UINT64, &sum), "cannot write the checksum of %s", what);
    H5Aclose(a);
  }
  H5Sclose(space);
}

/* 1 if obj has a checksum (read into sum), else 0 */
static int CkReadChecksum(hid_t obj, uint64_t *sum)
{
  hid_t a;
  int   ok = 0;
  *sum     = 0;
  if (obj < 0 || H5Aexists(obj, CK_ATTR) <= 0) return 0;
  a = H5Aopen(obj, CK_ATTR, H5P_DEFAULT);
  if (a >= 0) {
    ok = H5Aread(a, H5T_NATIVE_UINT64, sum) >= 0;
    H5Aclose(a);
  }
  H5Eclear2(H5E_DEFAULT);
  return ok;
}

/* the hash of obj's attributes but its checksum, from their stored bytes */
typedef struct {
  uint64_t sum;
} CkAttrCtx;

static herr_t CkAttrHashOne(hid_t obj, const char *name, const H5A_info_t *info, void *ctx)
{
  CkAttrCtx *c = (CkAttrCtx *)ctx;
  hid_t      a, t = H5I_INVALID_HID, s = H5I_INVALID_HID;
  hssize_t   n;
  size_t     sz;
  char      *buf = NULL;
  herr_t     ret = -1;
  (void)info;
  if (!strcmp(name, CK_ATTR)) return 0;
  if ((a = H5Aopen(obj, name, H5P_DEFAULT)) < 0) return -1;
  if ((t = H5Aget_type(a)) >= 0 && (s = H5Aget_space(a)) >= 0 && H5Tis_variable_str(t) == 0 && H5Tdetect_class(t, H5T_VLEN) == 0 && (n = H5Sget_simple_extent_npoints(s)) >= 0 && (sz = H5Tget_size(t)) > 0 && (buf = (char *)calloc((size_t)n * sz + 1, 1))) {
    if (H5Aread(a, t, buf) >= 0) { /* the file type as the memory type: no conversion */
      c->sum ^= PnlmeHash64(buf, (size_t)n * sz, PnlmeHash64(name, strlen(name), 0));
      ret = 0;
    }
  }
  free(buf);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  H5Aclose(a);
  return ret;
}

static uint64_t CkAttributesHash(PnlmeH5 *h, hid_t obj, const char what[])
{
  CkAttrCtx c   = {0};
  hsize_t   idx = 0;
  PnlmeH5Check(h, H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, CkAttrHashOne, &c), "cannot read the attributes of %s", what);
  return c.sum;
}

/* the groups and datasets of the file, as "/a/b" (the same list, in the same order, on every rank) */
typedef struct {
  int  n, over;
  char name[CK_MAXOBJ][CK_NAMELEN];
  int  isgroup[CK_MAXOBJ];
} CkObjects;

static herr_t CkListOne(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  CkObjects *l = (CkObjects *)ctx;
  hid_t      o;
  H5I_type_t type;
  (void)info;
  if ((o = H5Oopen(g, name, H5P_DEFAULT)) < 0) return -1;
  type = H5Iget_type(o);
  H5Oclose(o);
  if (type != H5I_GROUP && type != H5I_DATASET) return 0;
  if (l->n == CK_MAXOBJ || strlen(name) + 2 > CK_NAMELEN) {
    l->over = 1;
    return 0;
  }
  snprintf(l->name[l->n], CK_NAMELEN, "/%s", name);
  l->isgroup[l->n++] = type == H5I_GROUP;
  return 0;
}

static PetscErrorCode CkListObjects(PnlmeH5 *h, CkObjects *l)
{
  PetscFunctionBegin;
  l->n = l->over = 0;
  PnlmeH5Check(h, H5Lvisit(h->file, H5_INDEX_NAME, H5_ITER_INC, CkListOne, l), "cannot list the groups and datasets");
  if (l->over) PnlmeH5Fail(h, "more than %d groups and datasets, or a name longer than %d characters", CK_MAXOBJ, CK_NAMELEN - 2);
  PetscFunctionReturn(0);
}

/* The one writer of checkpoint datasets: PnlmeH5WriteRows (same arguments) and the dataset's checksum. */
static PetscErrorCode CkWriteRows(PnlmeH5 *h, hid_t loc, const char name[], hid_t memtype, hid_t filetype, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, hsize_t start, hsize_t nlocal, const void *buf)
{
  size_t   rowelems = 1;
  uint64_t sum;
  hid_t    d;
  char     full[CK_NAMELEN];
  PetscFunctionBegin;
  for (PetscInt k = 0; k < nextra; k++) rowelems *= (size_t)extra[k];
  PetscCall(PnlmeH5WriteRows(h, loc, name, memtype, filetype, nextra, extra, nglobal, start, nlocal, buf));
  PetscCall(CkRowsHash(h, memtype, filetype, rowelems, start, nlocal, buf, &sum));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_UINT64_T, MPI_BXOR, h->comm));
  CkFullName(loc, name, full, sizeof(full));
  d = H5Dopen2(loc, name, H5P_DEFAULT);
  PnlmeH5Check(h, d, "cannot open dataset %s", full);
  if (d >= 0) {
    CkWriteChecksum(h, d, full, sum);
    H5Dclose(d);
  }
  PetscFunctionReturn(0);
}

/* global data, the same on every rank: written by rank 0 */
static PetscErrorCode CkWriteShared(PnlmeH5 *h, hid_t loc, const char name[], hid_t memtype, hid_t filetype, PetscInt nextra, const hsize_t extra[], hsize_t nrows, const void *buf)
{
  PetscFunctionBegin;
  PetscCall(CkWriteRows(h, loc, name, memtype, filetype, nextra, extra, nrows, 0, h->rank ? 0 : nrows, buf));
  PetscFunctionReturn(0);
}

/* end of a write: every group gets the checksum of its attributes; every dataset must have one */
static PetscErrorCode CkSeal(PnlmeH5 *h)
{
  CkObjects list, *l = &list;
  PetscFunctionBegin;
  PetscCall(CkListObjects(h, l));
  for (int k = 0; k < l->n; k++) {
    hid_t o = H5Oopen(h->file, l->name[k], H5P_DEFAULT);
    PnlmeH5Check(h, o, "cannot open %s", l->name[k]);
    if (o < 0) continue;
    if (l->isgroup[k]) CkWriteChecksum(h, o, l->name[k], CkAttributesHash(h, o, l->name[k]));
    else if (H5Aexists(o, CK_ATTR) <= 0) PnlmeH5Fail(h, "dataset %s has no checksum (not written with CkWriteRows)", l->name[k]);
    H5Oclose(o);
  }
  CkWriteChecksum(h, h->file, "/", CkAttributesHash(h, h->file, "/"));
  PetscFunctionReturn(0);
}

/* start of a restart: the attributes of the root and of every group match their checksums; the list
   of the file's datasets is kept for CkCheckRestored */
static PetscErrorCode CkVerifyGroups(CkList *ck)
{
  PnlmeH5   *h = ck->h;
  CkObjects  list, *l = &list;
  uint64_t   stored;
  PetscFunctionBegin;
  PetscCall(CkListObjects(h, l));
  ck->nfile = ck->nread = 0;
  for (int k = -1; k < l->n; k++) {
    const char *name = k < 0 ? "/" : l->name[k];
    hid_t       o;
    if (k >= 0 && !l->isgroup[k]) {
      PetscCall(PetscStrncpy(ck->file[ck->nfile++], name, CK_NAMELEN));
      continue;
    }
    o = k < 0 ? h->file : H5Oopen(h->file, name, H5P_DEFAULT);
    PnlmeH5Check(h, o, "cannot open group %s", name);
    if (o < 0) continue;
    if (!CkReadChecksum(o, &stored)) CkFail(h, "group %s has no checksum", name);
    else if (CkAttributesHash(h, o, name) != stored) CkFail(h, "the attributes of group %s are damaged (they do not match their checksum)", name);
    if (k >= 0) H5Oclose(o);
  }
  PetscFunctionReturn(0);
}

/* The one reader of checkpoint datasets: PnlmeH5ReadRows (same arguments; filetype: that of the
   writer), then the dataset's checksum and its values are checked.  Collective. */
static PetscErrorCode CkReadRowsOf(CkList *ck, hid_t loc, const char name[], hid_t memtype, hid_t filetype, CkValues values, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, PetscBool shared, hsize_t start, hsize_t nlocal, void *buf)
{
  PnlmeH5   *h        = ck->h;
  size_t     rowelems = 1;
  uint64_t   sum, stored = 0;
  int        has = 0;
  int64_t    bad = INT64_MAX; /* 4 x (first non-finite element) + kind (1 NaN, 2 +inf, 3 -inf) */
  char       full[CK_NAMELEN];
  hid_t      d;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < nextra; k++) rowelems *= (size_t)extra[k];
  CkFullName(loc, name, full, sizeof(full));
  PetscCall(PnlmeH5ReadRows(h, loc, name, memtype, nextra, extra, nglobal, start, nlocal, buf));
  /* shared data (read by every rank): rank 0's hash only, so that the XOR is of each row once */
  PetscCall(CkRowsHash(h, memtype, filetype, rowelems, start, h->failed || (shared && h->rank) ? 0 : nlocal, buf, &sum));
  if (values != CK_ANY && !h->failed) {
    const PetscReal *x = (const PetscReal *)buf;
    PetscCheck(H5Tequal(memtype, H5T_NATIVE_DOUBLE) > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "value checks are for doubles");
    for (size_t e = 0; e < (size_t)nlocal * rowelems; e++) {
      int kind = PetscIsNanReal(x[e]) ? 1 : (PetscIsInfReal(x[e]) ? (x[e] > 0 ? 2 : 3) : 0);
      if (!kind || (values == CK_NONAN && kind != 1) || (values == CK_LOGLIK && kind == 3)) continue;
      bad = 4 * ((int64_t)start * (int64_t)rowelems + (int64_t)e) + kind;
      break;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_UINT64_T, MPI_BXOR, h->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_MIN, h->comm));
  d = H5Lexists(loc, name, H5P_DEFAULT) > 0 ? H5Dopen2(loc, name, H5P_DEFAULT) : H5I_INVALID_HID;
  if (d >= 0) {
    has = CkReadChecksum(d, &stored);
    H5Dclose(d);
  }
  H5Eclear2(H5E_DEFAULT);
  if (!has) CkFail(h, "dataset %s has no checksum", full);
  else if (sum != stored) CkFail(h, "dataset %s is damaged (its contents do not match its checksum)", full);
  else if (bad != INT64_MAX) {
    static const char *const kinds[] = {"", "NaN", "+inf", "-inf"};
    int64_t                   e      = bad / 4;
    char                      at[160] = "", part[32];
    for (PetscInt k = nextra - 1; k >= 0; k--) { /* h5dump's [row, ...] index */
      snprintf(part, sizeof(part), ",%lld%s", (long long)(e % (int64_t)extra[k]), at);
      PetscCall(PetscStrncpy(at, part, sizeof(at)));
      e /= (int64_t)extra[k];
    }
    CkFail(h, "dataset %s holds %s at [%lld%s]: not a state to continue from", full, kinds[bad % 4], (long long)e, at);
  }
  if (ck->nread < CK_MAXOBJ) PetscCall(PetscStrncpy(ck->read[ck->nread++], full, CK_NAMELEN));
  PetscFunctionReturn(0);
}

static PetscErrorCode CkReadRows(CkList *ck, hid_t loc, const char name[], hid_t memtype, hid_t filetype, CkValues values, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, hsize_t start, hsize_t nlocal, void *buf)
{
  PetscFunctionBegin;
  PetscCall(CkReadRowsOf(ck, loc, name, memtype, filetype, values, nextra, extra, nglobal, PETSC_FALSE, start, nlocal, buf));
  PetscFunctionReturn(0);
}

/* global data: every rank reads all rows */
static PetscErrorCode CkReadShared(CkList *ck, hid_t loc, const char name[], hid_t memtype, hid_t filetype, CkValues values, PetscInt nextra, const hsize_t extra[], hsize_t nrows, void *buf)
{
  PetscFunctionBegin;
  PetscCall(CkReadRowsOf(ck, loc, name, memtype, filetype, values, nextra, extra, nrows, PETSC_TRUE, 0, nrows, buf));
  PetscFunctionReturn(0);
}

/* a real attribute that must be finite */
static void CkCheckFinite(PnlmeH5 *h, const char group[], const char name[], PetscReal v)
{
  if (!h->failed && PetscIsInfOrNanReal(v)) CkFail(h, "attribute %s of group %s is %g: not a state to continue from", name, group, (double)v);
}

/* end of a restart: every dataset of the file was restored (else the writer writes what the reader ignores) */
static void CkCheckRestored(CkList *ck)
{
  for (int k = 0; k < ck->nfile; k++) {
    int found = 0;
    for (int j = 0; j < ck->nread && !found; j++) found = !strcmp(ck->file[k], ck->read[j]);
    if (!found) CkFail(ck->h, "dataset %s is not part of a format-%d checkpoint of this fit", ck->file[k], CHECKPOINT_FORMAT_VERSION);
  }
}

/* -restart PATH is a readable regular file: checked by rank 0 before MPI-IO opens it (on a directory,
   MPI-IO prints a line per rank and read attempt before HDF5 gives up) */
static PetscErrorCode CkCheckRestartPath(MPI_Comm comm, const char path[])
{
  PetscMPIInt rank;
  int         err = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    struct stat st;
    int         fd;
    if (stat(path, &st)) err = errno;
    else if (S_ISDIR(st.st_mode)) err = EISDIR;
    else if (!S_ISREG(st.st_mode)) err = -1;
    else if ((fd = open(path, O_RDONLY)) < 0) err = errno;
    else close(fd);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "-restart %s: cannot open the file: %s", path, err > 0 ? strerror(err) : "not a regular file");
  PetscFunctionReturn(0);
}

/* the estimator type's own per-subject datasets (PnlmeCkIO), in the group named after the type */
typedef struct {
  PnlmeH5 *h;
  CkList  *ck; /* NULL: writing */
  hid_t    g;
  hsize_t  N, g0, nl;
} CkTypeCtx;

static PetscErrorCode CkTypeRowsOne(void *vctx, const char name[], PetscInt nextra, const PetscInt extra[], PetscReal data[], PetscBool finite)
{
  CkTypeCtx *c = (CkTypeCtx *)vctx;
  hsize_t    ex[4];
  PetscFunctionBegin;
  PetscCheck(nextra >= 0 && nextra <= 4, PETSC_COMM_SELF, PETSC_ERR_PLIB, "checkpoint dataset %s: at most 4 dimensions per subject", name);
  for (PetscInt d = 0; d < nextra; d++) ex[d] = (hsize_t)extra[d];
  if (!c->ck) PetscCall(CkWriteRows(c->h, c->g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, nextra, ex, c->N, c->g0, c->nl, data));
  else PetscCall(CkReadRows(c->ck, c->g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, finite ? CK_FINITE : CK_NONAN, nextra, ex, c->N, c->g0, c->nl, data));
  PetscFunctionReturn(0);
}

static PetscErrorCode CkTypeRows(PnlmeFit fit, PnlmeH5 *h, CkList *ck, PetscBool write)
{
  PetscInt64 gstart, gend;
  CkTypeCtx  c;
  PnlmeCkIO  io;
  PetscFunctionBegin;
  if (!fit->ops->checkpoint) PetscFunctionReturn(0);
  PetscCall(PnlmeDataGetOwnershipRange(fit->data, &gstart, &gend));
  c.h   = h;
  c.ck  = ck;
  c.N   = (hsize_t)fit->N;
  c.g0  = (hsize_t)gstart;
  c.nl  = (hsize_t)fit->nlocal;
  c.g   = write ? PnlmeH5CreateGroup(h, h->file, ((PetscObject)fit)->type_name) : PnlmeH5OpenGroup(h, h->file, ((PetscObject)fit)->type_name);
  io.write = write;
  io.ctx   = &c;
  io.rows  = CkTypeRowsOne;
  PetscCall((*fit->ops->checkpoint)(fit, &io));
  PnlmeH5CloseGroup(h, c.g);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCheckpointWrite(PnlmeFit fit)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscInt    p = fit->p, q = fit->q, nc = fit->nchains;
  PetscInt64  gstart, gend, nobsl, ostart, cnt[3], tot[3];
  char        path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8];
  int64_t    *ids;
  PnlmeH5     h;
  Fingerprint fp;
  hid_t       g, rngm, rngf;
  hsize_t     N = (hsize_t)fit->N, nl = (hsize_t)fit->nlocal, hp = (hsize_t)p, hpp[2] = {(hsize_t)p, (hsize_t)p}, hq[2] = {(hsize_t)q, (hsize_t)p};
  hsize_t     hnc[2] = {(hsize_t)nc, (hsize_t)p}, h2p = 2 * (hsize_t)p, hsc[2] = {2, (hsize_t)p}, hh = (hsize_t)fit->nhist, g0;
  int         err = 0;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitCheckpoint, 0, 0, 0, 0));
  PetscCall(CheckpointPath(fit, path, sizeof(path)));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  PetscCall(PnlmeDataGetOwnershipRange(fit->data, &gstart, &gend));
  PetscCall(ObservationOffset(fit, &nobsl, &ostart));
  g0 = (hsize_t)gstart;
  PetscCall(PetscMalloc1(2 * fit->nlocal + 1, &ids));
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PnlmeSubject s;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    ids[i]               = (int64_t)s.id;
    ids[fit->nlocal + i] = (int64_t)s.nobs;
  }
  cnt[0] = fit->nproposed;
  cnt[1] = fit->nfailed;
  cnt[2] = fit->nstopped;
  PetscCallMPI(MPI_Allreduce(cnt, tot, 3, MPIU_INT64, MPI_SUM, comm));
  PetscCall(FitFingerprint(fit, &fp));

  PetscCall(PnlmeH5Create(comm, tmp, "checkpoint", &h));
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "format", CHECKPOINT_FORMAT));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "format_version", CHECKPOINT_FORMAT_VERSION));
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "pnlme_version", PNLME_VERSION));
  for (int k = 0; k < fp.n; k++) PetscCall(PnlmeH5WriteAttrString(&h, h.file, fp.key[k], fp.val[k]));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_iterations", fit->niter));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "k1_effective", fit->K1));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_proposed", tot[0]));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_failed", tot[1]));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_stopped", tot[2]));
  /* population parameters and SAEM statistics: the same on every rank, written by rank 0 */
  g = PnlmeH5CreateGroup(&h, h.file, "pop");
  PetscCall(CkWriteShared(&h, g, "B", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, hq + 1, hq[0], fit->pop.B));
  PetscCall(CkWriteShared(&h, g, "Omega", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, hp, fit->pop.Omega));
  PetscCall(CkWriteShared(&h, g, "L", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, hp, fit->pop.L));
  PetscCall(CkWriteShared(&h, g, "Oinv", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, hp, fit->pop.Oinv));
  PetscCall(PnlmeH5WriteAttrReal(&h, g, "logdet", fit->pop.logdet));
  {
    hsize_t ho = (hsize_t)fit->pop.nout;
    PetscCall(CkWriteShared(&h, g, "a", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, ho, fit->pop.a));
    PetscCall(CkWriteShared(&h, g, "b", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, ho, fit->pop.b));
  }
  {
    int64_t dropped[64];
    for (PetscInt k = 0; k < p; k++) dropped[k] = fit->pop.dropped[k];
    PetscCall(CkWriteShared(&h, g, "dropped", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, hp, dropped));
  }
  PetscCall(PnlmeH5WriteAttrInt(&h, g, "settle_from", fit->settlefrom));
  PnlmeH5CloseGroup(&h, g);
  g = PnlmeH5CreateGroup(&h, h.file, "saem");
  PetscCall(CkWriteShared(&h, g, "S", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->nstat, fit->S));
  PetscCall(CkWriteShared(&h, g, "s", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->nstat, fit->s));
  {
    PetscReal sc[2 * 64];
    for (PetscInt k = 0; k < p; k++) sc[k] = fit->scale[0][k], sc[p + k] = fit->scale[1][k];
    PetscCall(CkWriteShared(&h, g, "scale", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, hsc + 1, 2, sc));
  }
  PetscCall(CkWriteShared(&h, g, "history", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hh, (hsize_t)fit->niter, fit->hist));
  PetscCall(CkWriteShared(&h, g, "complete_loglik", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->niter, fit->cdll));
  if (fit->itring) { /* -saem_explore_average: the last iterations' variance parameters */
    hsize_t hr = (hsize_t)fit->nitring;
    PetscCall(CkWriteShared(&h, g, "explore_variances", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hr, (hsize_t)fit->nitrows, fit->itring));
  }
  PnlmeH5CloseGroup(&h, g);
  /* per subject, in global subject order */
  RNGTypes(&rngm, &rngf);
  g = PnlmeH5CreateGroup(&h, h.file, "subjects");
  PetscCall(CkWriteRows(&h, g, "ID", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, N, g0, nl, ids));
  PetscCall(CkWriteRows(&h, g, "nobs", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, N, g0, nl, ids + fit->nlocal));
  PetscCall(CkWriteRows(&h, g, "z", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, hnc, N, g0, nl, fit->z));
  PetscCall(CkWriteRows(&h, g, "ll", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, hnc, N, g0, nl, fit->ll));
  PetscCall(CkWriteRows(&h, g, "rng", rngm, rngf, 1, hnc, N, g0, nl, fit->rng));
  PetscCall(CkWriteRows(&h, g, "cmean", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, N, g0, nl, fit->cmean));
  PetscCall(CkWriteRows(&h, g, "ccov", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, hpp, N, g0, nl, fit->ccov));
  PetscCall(CkWriteRows(&h, g, "nmom", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &h2p, N, g0, nl, fit->nmom));
  PnlmeH5CloseGroup(&h, g);
  H5Tclose(rngm);
  H5Tclose(rngf);
  PetscCall(CkTypeRows(fit, &h, NULL, PETSC_TRUE)); /* the estimator type's own datasets */
  /* per observation and chain: subject i's block of nc x nobs_i predictions at nc * (its first observation) */
  g = PnlmeH5CreateGroup(&h, h.file, "observations");
  PetscCall(CkWriteRows(&h, g, "pred", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->Ntot * nc, (hsize_t)ostart * nc, (hsize_t)nobsl * nc, fit->pred));
  PnlmeH5CloseGroup(&h, g);
  PetscCall(CkSeal(&h)); /* the groups' checksums */
  /* all ranks have closed the file when PnlmeH5Close returns (it ends with a reduction) */
  PetscCall(PnlmeH5Close(&h, PETSC_TRUE)); /* flushed to storage: it survives a crash of the node too */
  PetscCall(PetscFree(ids));
  if (!h.rank && rename(tmp, path)) err = errno;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "checkpoint %s: cannot rename %s to it: %s", path, tmp, strerror(err));
  PetscCall(PetscLogEventEnd(PNLME_FitCheckpoint, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitCheckpointRead(PnlmeFit fit)
{
  MPI_Comm           comm = PetscObjectComm((PetscObject)fit);
  PetscInt           p = fit->p, q = fit->q, nc = fit->nchains;
  PetscInt64         gstart, gend, nobsl, ostart, niter, version, tot[3] = {0, 0, 0};
  char               val[1024], msg[2300] = "";
  int64_t           *ids;
  PnlmeH5            h;
  CkList             ckl, *ck = &ckl;
  Fingerprint        fp;
  hid_t              g, rngm, rngf;
  hsize_t            N = (hsize_t)fit->N, nl = (hsize_t)fit->nlocal, hp = (hsize_t)p, hpp[2] = {(hsize_t)p, (hsize_t)p}, hq[2] = {(hsize_t)q, (hsize_t)p};
  hsize_t            hnc[2] = {(hsize_t)nc, (hsize_t)p}, h2p = 2 * (hsize_t)p, hsc[2] = {2, (hsize_t)p}, hh = (hsize_t)fit->nhist, g0;
  PnlmeDeferredError derr;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitCheckpoint, 0, 0, 0, 0));
  PetscCall(PnlmeDataGetOwnershipRange(fit->data, &gstart, &gend));
  PetscCall(ObservationOffset(fit, &nobsl, &ostart));
  g0 = (hsize_t)gstart;
  PetscCall(CkCheckRestartPath(comm, fit->restart));
  PetscCall(PnlmeH5Open(comm, fit->restart, "-restart", &h));
  PetscCall(PetscMemzero(ck, sizeof(*ck)));
  ck->h = &h;
  /* is it a checkpoint of this fit? (every rank reads the same attributes: the verdict is collective) */
  PetscCall(PnlmeH5ReadAttrString(&h, h.file, "format", val, sizeof(val)));
  if (!h.failed && strcmp(val, CHECKPOINT_FORMAT)) PnlmeH5Fail(&h, "not a pnlme checkpoint (format '%s')", val);
  PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "format_version", &version));
  if (!h.failed && version < CHECKPOINT_FORMAT_VERSION) PnlmeH5Fail(&h, "checkpoint format version %" PetscInt64_FMT " (an older pnlme%s): this pnlme reads version %d only; start the fit again", version, version < 5 ? ", without checksums" : "", CHECKPOINT_FORMAT_VERSION);
  if (!h.failed && version > CHECKPOINT_FORMAT_VERSION) PnlmeH5Fail(&h, "checkpoint format version %" PetscInt64_FMT " (a newer pnlme): this pnlme reads version %d", version, CHECKPOINT_FORMAT_VERSION);
  PetscCall(PnlmeH5Raise(&h));
  /* its attributes are intact, before they are compared */
  PetscCall(CkVerifyGroups(ck));
  PetscCall(PnlmeH5Raise(&h));
  PetscCall(FitFingerprint(fit, &fp));
  for (int k = 0; k < fp.n && !msg[0]; k++) {
    PetscCall(PnlmeH5ReadAttrString(&h, h.file, fp.key[k], val, sizeof(val)));
    if (!h.failed && strcmp(val, fp.val[k])) PetscCall(PetscSNPrintf(msg, sizeof(msg), "-restart %s: the checkpoint is of another model, dataset or option set: %s is '%s' there, '%s' here", fit->restart, fp.key[k], val, fp.val[k]));
  }
  PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "n_iterations", &niter));
  {
    PetscInt64 k1;
    PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "k1_effective", &k1));
    if (!h.failed) fit->K1 = (PetscInt)k1;
  }
  PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "n_proposed", &tot[0]));
  PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "n_failed", &tot[1]));
  if (!h.failed && H5Aexists(h.file, "n_stopped") > 0) PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "n_stopped", &tot[2])); /* absent before early rejection */
  if (!h.failed && !msg[0] && (niter < 1 || niter > fit->K1 + fit->K2)) PnlmeH5Fail(&h, "the checkpoint's iteration count %" PetscInt64_FMT " is not in [1, K1 + K2]", niter);
  PetscCall(PnlmeH5Raise(&h));
  if (msg[0]) {
    PetscCall(PnlmeH5Close(&h, PETSC_FALSE));
    SETERRQ(comm, PETSC_ERR_USER, "%s", msg);
  }
  /* the state: every dataset's checksum is verified as it is read (CkRead*) */
  g = PnlmeH5OpenGroup(&h, h.file, "pop");
  PetscCall(CkReadShared(ck, g, "B", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, hq + 1, hq[0], fit->pop.B));
  PetscCall(CkReadShared(ck, g, "Omega", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, &hp, hp, fit->pop.Omega));
  PetscCall(CkReadShared(ck, g, "L", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, &hp, hp, fit->pop.L));
  PetscCall(CkReadShared(ck, g, "Oinv", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, &hp, hp, fit->pop.Oinv));
  PetscCall(PnlmeH5ReadAttrReal(&h, g, "logdet", &fit->pop.logdet));
  {
    hsize_t ho = (hsize_t)fit->pop.nout;
    PetscCall(CkReadShared(ck, g, "a", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 0, NULL, ho, fit->pop.a));
    PetscCall(CkReadShared(ck, g, "b", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 0, NULL, ho, fit->pop.b));
  }
  CkCheckFinite(&h, "/pop", "logdet", fit->pop.logdet);
  {
    int64_t    dropped[64];
    PetscInt64 settle = 0;
    PetscCall(CkReadShared(ck, g, "dropped", H5T_NATIVE_INT64, H5T_STD_I64LE, CK_ANY, 0, NULL, hp, dropped));
    PetscCall(PnlmeH5ReadAttrInt(&h, g, "settle_from", &settle));
    if (!h.failed) { /* the random effects removed at their boundary before the checkpoint stay removed */
      for (PetscInt k = 0; k < p; k++) {
        if (dropped[k] >= niter || dropped[k] < -1 || (dropped[k] >= 0 && fit->pop.fixed[k])) PnlmeH5Fail(&h, "dataset /pop/dropped: entry %" PetscInt_FMT " is not a removal before iteration %" PetscInt64_FMT, k, niter);
        else if (dropped[k] >= 0) {
          fit->pop.dropped[k] = (PetscInt)dropped[k];
          fit->pop.fixed[k]   = PETSC_TRUE;
          fit->pop.nfixed++;
        }
      }
      fit->settlefrom = (PetscInt)settle;
    }
  }
  PnlmeH5CloseGroup(&h, g);
  g = PnlmeH5OpenGroup(&h, h.file, "saem");
  PetscCall(CkReadShared(ck, g, "S", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_NONAN, 0, NULL, (hsize_t)fit->nstat, fit->S));
  PetscCall(CkReadShared(ck, g, "s", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_NONAN, 0, NULL, (hsize_t)fit->nstat, fit->s));
  {
    PetscReal sc[2 * 64];
    PetscCall(CkReadShared(ck, g, "scale", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, hsc + 1, 2, sc));
    for (PetscInt k = 0; k < p; k++) fit->scale[0][k] = sc[k], fit->scale[1][k] = sc[p + k];
  }
  PetscCall(CkReadShared(ck, g, "history", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_ANY, 1, &hh, (hsize_t)niter, fit->hist));
  PetscCall(CkReadShared(ck, g, "complete_loglik", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_ANY, 0, NULL, (hsize_t)niter, fit->cdll));
  if (fit->itring) {
    hsize_t hr = (hsize_t)fit->nitring;
    PetscCall(CkReadShared(ck, g, "explore_variances", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, &hr, (hsize_t)fit->nitrows, fit->itring));
  }
  PnlmeH5CloseGroup(&h, g);
  PetscCall(PetscMalloc1(2 * fit->nlocal + 1, &ids));
  RNGTypes(&rngm, &rngf);
  g = PnlmeH5OpenGroup(&h, h.file, "subjects");
  PetscCall(CkReadRows(ck, g, "ID", H5T_NATIVE_INT64, H5T_STD_I64LE, CK_ANY, 0, NULL, N, g0, nl, ids));
  PetscCall(CkReadRows(ck, g, "nobs", H5T_NATIVE_INT64, H5T_STD_I64LE, CK_ANY, 0, NULL, N, g0, nl, ids + fit->nlocal));
  PetscCall(CkReadRows(ck, g, "z", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 2, hnc, N, g0, nl, fit->z));
  PetscCall(CkReadRows(ck, g, "ll", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_LOGLIK, 1, hnc, N, g0, nl, fit->ll));
  PetscCall(CkReadRows(ck, g, "rng", rngm, rngf, CK_ANY, 1, hnc, N, g0, nl, fit->rng));
  PetscCall(CkReadRows(ck, g, "cmean", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 1, &hp, N, g0, nl, fit->cmean));
  PetscCall(CkReadRows(ck, g, "ccov", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_FINITE, 2, hpp, N, g0, nl, fit->ccov));
  PetscCall(CkReadRows(ck, g, "nmom", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_NONAN, 1, &h2p, N, g0, nl, fit->nmom));
  PnlmeH5CloseGroup(&h, g);
  H5Tclose(rngm);
  H5Tclose(rngf);
  PetscCall(CkTypeRows(fit, &h, ck, PETSC_FALSE));
  g = PnlmeH5OpenGroup(&h, h.file, "observations");
  PetscCall(CkReadRows(ck, g, "pred", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, CK_ANY, 0, NULL, (hsize_t)fit->Ntot * nc, (hsize_t)ostart * nc, (hsize_t)nobsl * nc, fit->pred));
  PnlmeH5CloseGroup(&h, g);
  CkCheckRestored(ck);
  PetscCall(PnlmeH5Close(&h, PETSC_FALSE));
  /* the same subjects, in the same order, with the same numbers of observations */
  PnlmeDeferredErrorInit(&derr);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PnlmeSubject s;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    if (ids[i] != (int64_t)s.id || ids[fit->nlocal + i] != (int64_t)s.nobs) {
      PnlmeDeferredErrorSet(&derr, s.gindex, "-restart %s: the checkpoint is of another dataset: subject %" PetscInt64_FMT " is ID %" PetscInt64_FMT " with %" PetscInt64_FMT " observations there, ID %" PetscInt64_FMT " with %" PetscInt_FMT " here", fit->restart, s.gindex + 1, (PetscInt64)ids[i], (PetscInt64)ids[fit->nlocal + i], s.id, s.nobs);
      break;
    }
  }
  PetscCall(PetscFree(ids));
  PetscCall(PnlmeDeferredErrorRaise(comm, &derr));
  fit->niter     = (PetscInt)niter;
  fit->istart    = (PetscInt)niter;
  fit->nproposed = h.rank ? 0 : tot[0]; /* global counts: kept by rank 0, summed when reported */
  fit->nfailed   = h.rank ? 0 : tot[1];
  fit->nstopped  = h.rank ? 0 : tot[2];
  PetscCall(PetscLogEventEnd(PNLME_FitCheckpoint, 0, 0, 0, 0));
  if (fit->printevery > 0) PetscCall(PetscPrintf(comm, "%s restarted from %s after iteration %" PetscInt64_FMT "\n", fit->label, fit->restart, niter));
  PetscFunctionReturn(0);
}
