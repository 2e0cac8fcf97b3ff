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
   every subject's ID and number of observations. */
#include "fit/h5io.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

PETSC_INTERN PetscErrorCode PnlmeFitStatSize(PnlmeFit, PetscInt *);

#define CHECKPOINT_FORMAT "pnlme-checkpoint"
#define CHECKPOINT_FORMAT_VERSION 4

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
  PetscCall(FingerprintAdd(fp, "error_model", PnlmeErrorModels[fit->pop.err]));
  PetscCall(PnlmeFitOmegaStructure(fit, buf, sizeof(buf)));
  PetscCall(FingerprintAdd(fp, "omega_structure", buf));
  buf[0] = 0;
  for (PetscInt k = 0; k < fit->p; k++) {
    const char *pn;
    if (!fit->pop.fixed[k]) continue;
    PetscCall(PnlmeModelGetParameterName(fit->model, k, &pn));
    Join(buf, sizeof(buf), pn);
  }
  PetscCall(FingerprintAdd(fp, "fixed_effects_only", buf));
  PetscCall(FingerprintAdd(fp, "estimator", fit->vem ? "vem" : "saem"));
  if (fit->vem) { /* what determines the VEM iterations besides the common items */
    PetscCall(PetscSNPrintf(buf, sizeof(buf), "draws %" PetscInt_FMT ", steps %" PetscInt_FMT ", nc_draws %" PetscInt_FMT ", cov %s, kl_start %a, trust %a", fit->vemw.ndraws, fit->vemw.nsteps, fit->ncuse, fit->vemw.diag ? "diagonal" : "full", (double)fit->vemw.beta0, (double)fit->vemw.trust));
    PetscCall(FingerprintAdd(fp, "vem", buf));
  }
  PetscCall(FingerprintAddInt(fp, "n_subjects", fit->N));
  PetscCall(FingerprintAddInt(fp, "n_observations", fit->Ntot));
  PetscCall(FingerprintAddInt(fp, "n_chains", fit->nchains));
  PetscCall(FingerprintAddInt(fp, "k1", fit->K1min));
  PetscCall(FingerprintAddInt(fp, "k1_max", fit->autostop ? fit->K1max : fit->K1min));
  PetscCall(FingerprintAddInt(fp, "auto_window", fit->autostop ? fit->autowin : 0));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%a", (double)(fit->autostop ? fit->autotol : 0))); /* exact */
  PetscCall(FingerprintAdd(fp, "auto_tol", buf));
  PetscCall(FingerprintAddInt(fp, "k2", fit->K2));
  PetscCall(FingerprintAddInt(fp, "seed", fit->seed));
  PetscCall(FingerprintAddInt(fp, "sa_iterations", fit->saiter));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT ",%" PetscInt_FMT, fit->ncevery, fit->ncmaxit));
  PetscCall(FingerprintAdd(fp, "non_centred", buf));
  PetscCall(PetscSNPrintf(buf, sizeof(buf), "%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT, fit->nkern[0], fit->nkern[1], fit->nkern[2]));
  PetscCall(FingerprintAdd(fp, "kernels", buf));
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

PetscErrorCode PnlmeFitCheckpointWrite(PnlmeFit fit)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscInt    p = fit->p, q = fit->q, nc = fit->nchains;
  PetscInt64  gstart, gend, nobsl, ostart, cnt[2], tot[2];
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
  PetscCallMPI(MPI_Allreduce(cnt, tot, 2, MPIU_INT64, MPI_SUM, comm));
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
  /* population parameters and SAEM statistics: the same on every rank, written by rank 0 */
  g = PnlmeH5CreateGroup(&h, h.file, "pop");
  PetscCall(PnlmeH5WriteRows(&h, g, "B", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, hq + 1, hq[0], 0, h.rank ? 0 : hq[0], fit->pop.B));
  PetscCall(PnlmeH5WriteRows(&h, g, "Omega", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, hp, 0, h.rank ? 0 : hp, fit->pop.Omega));
  PetscCall(PnlmeH5WriteRows(&h, g, "L", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, hp, 0, h.rank ? 0 : hp, fit->pop.L));
  PetscCall(PnlmeH5WriteRows(&h, g, "Oinv", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, hp, 0, h.rank ? 0 : hp, fit->pop.Oinv));
  PetscCall(PnlmeH5WriteAttrReal(&h, g, "logdet", fit->pop.logdet));
  PetscCall(PnlmeH5WriteAttrReal(&h, g, "a", fit->pop.a));
  PetscCall(PnlmeH5WriteAttrReal(&h, g, "b", fit->pop.b));
  PnlmeH5CloseGroup(&h, g);
  g = PnlmeH5CreateGroup(&h, h.file, "saem");
  PetscCall(PnlmeH5WriteRows(&h, g, "S", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->nstat, 0, h.rank ? 0 : (hsize_t)fit->nstat, fit->S));
  PetscCall(PnlmeH5WriteRows(&h, g, "s", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->nstat, 0, h.rank ? 0 : (hsize_t)fit->nstat, fit->s));
  {
    PetscReal sc[2 * 64];
    for (PetscInt k = 0; k < p; k++) sc[k] = fit->scale[0][k], sc[p + k] = fit->scale[1][k];
    PetscCall(PnlmeH5WriteRows(&h, g, "scale", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, hsc + 1, 2, 0, h.rank ? 0 : 2, sc));
  }
  PetscCall(PnlmeH5WriteRows(&h, g, "history", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hh, (hsize_t)fit->niter, 0, h.rank ? 0 : (hsize_t)fit->niter, fit->hist));
  PetscCall(PnlmeH5WriteRows(&h, g, "complete_loglik", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->niter, 0, h.rank ? 0 : (hsize_t)fit->niter, fit->cdll));
  PnlmeH5CloseGroup(&h, g);
  /* per subject, in global subject order */
  RNGTypes(&rngm, &rngf);
  g = PnlmeH5CreateGroup(&h, h.file, "subjects");
  PetscCall(PnlmeH5WriteRows(&h, g, "ID", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, N, g0, nl, ids));
  PetscCall(PnlmeH5WriteRows(&h, g, "nobs", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, N, g0, nl, ids + fit->nlocal));
  PetscCall(PnlmeH5WriteRows(&h, g, "z", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, hnc, N, g0, nl, fit->z));
  PetscCall(PnlmeH5WriteRows(&h, g, "ll", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, hnc, N, g0, nl, fit->ll));
  PetscCall(PnlmeH5WriteRows(&h, g, "rng", rngm, rngf, 1, hnc, N, g0, nl, fit->rng));
  PetscCall(PnlmeH5WriteRows(&h, g, "cmean", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, N, g0, nl, fit->cmean));
  PetscCall(PnlmeH5WriteRows(&h, g, "ccov", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, hpp, N, g0, nl, fit->ccov));
  PetscCall(PnlmeH5WriteRows(&h, g, "nmom", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &h2p, N, g0, nl, fit->nmom));
  PnlmeH5CloseGroup(&h, g);
  H5Tclose(rngm);
  H5Tclose(rngf);
  if (fit->vem) { /* the variational posteriors and each subject's last expected RSS and ELBO term */
    hsize_t two = 2;
    g = PnlmeH5CreateGroup(&h, h.file, "vem");
    PetscCall(PnlmeH5WriteRows(&h, g, "m", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, N, g0, nl, fit->vemw.m));
    PetscCall(PnlmeH5WriteRows(&h, g, "L", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, hpp, N, g0, nl, fit->vemw.L));
    PetscCall(PnlmeH5WriteRows(&h, g, "rss_elbo", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &two, N, g0, nl, fit->vemw.rss));
    PnlmeH5CloseGroup(&h, g);
  }
  /* per observation and chain: subject i's block of nc x nobs_i predictions at nc * (its first observation) */
  g = PnlmeH5CreateGroup(&h, h.file, "observations");
  PetscCall(PnlmeH5WriteRows(&h, g, "pred", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)fit->Ntot * nc, (hsize_t)ostart * nc, (hsize_t)nobsl * nc, fit->pred));
  PnlmeH5CloseGroup(&h, g);
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
  PetscInt64         gstart, gend, nobsl, ostart, niter, version, tot[2];
  char               val[1024], msg[2300] = "";
  int64_t           *ids;
  PnlmeH5            h;
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
  PetscCall(PnlmeH5Open(comm, fit->restart, "-restart", &h));
  /* is it a checkpoint of this fit? (every rank reads the same attributes: the verdict is collective) */
  PetscCall(PnlmeH5ReadAttrString(&h, h.file, "format", val, sizeof(val)));
  if (!h.failed && strcmp(val, CHECKPOINT_FORMAT)) PnlmeH5Fail(&h, "not a pnlme checkpoint (format '%s')", val);
  PetscCall(PnlmeH5ReadAttrInt(&h, h.file, "format_version", &version));
  if (!h.failed && version != CHECKPOINT_FORMAT_VERSION) PnlmeH5Fail(&h, "checkpoint format version %" PetscInt64_FMT ", this pnlme reads version %d", version, CHECKPOINT_FORMAT_VERSION);
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
  if (!h.failed && !msg[0] && (niter < 1 || niter > fit->K1 + fit->K2)) PnlmeH5Fail(&h, "the checkpoint's iteration count %" PetscInt64_FMT " is not in [1, K1 + K2]", niter);
  PetscCall(PnlmeH5Raise(&h));
  if (msg[0]) {
    PetscCall(PnlmeH5Close(&h, PETSC_FALSE));
    SETERRQ(comm, PETSC_ERR_USER, "%s", msg);
  }
  /* the state */
  g = PnlmeH5OpenGroup(&h, h.file, "pop");
  PetscCall(PnlmeH5ReadRows(&h, g, "B", H5T_NATIVE_DOUBLE, 1, hq + 1, hq[0], 0, hq[0], fit->pop.B));
  PetscCall(PnlmeH5ReadRows(&h, g, "Omega", H5T_NATIVE_DOUBLE, 1, &hp, hp, 0, hp, fit->pop.Omega));
  PetscCall(PnlmeH5ReadRows(&h, g, "L", H5T_NATIVE_DOUBLE, 1, &hp, hp, 0, hp, fit->pop.L));
  PetscCall(PnlmeH5ReadRows(&h, g, "Oinv", H5T_NATIVE_DOUBLE, 1, &hp, hp, 0, hp, fit->pop.Oinv));
  PetscCall(PnlmeH5ReadAttrReal(&h, g, "logdet", &fit->pop.logdet));
  PetscCall(PnlmeH5ReadAttrReal(&h, g, "a", &fit->pop.a));
  PetscCall(PnlmeH5ReadAttrReal(&h, g, "b", &fit->pop.b));
  PnlmeH5CloseGroup(&h, g);
  g = PnlmeH5OpenGroup(&h, h.file, "saem");
  PetscCall(PnlmeH5ReadRows(&h, g, "S", H5T_NATIVE_DOUBLE, 0, NULL, (hsize_t)fit->nstat, 0, (hsize_t)fit->nstat, fit->S));
  PetscCall(PnlmeH5ReadRows(&h, g, "s", H5T_NATIVE_DOUBLE, 0, NULL, (hsize_t)fit->nstat, 0, (hsize_t)fit->nstat, fit->s));
  {
    PetscReal sc[2 * 64];
    PetscCall(PnlmeH5ReadRows(&h, g, "scale", H5T_NATIVE_DOUBLE, 1, hsc + 1, 2, 0, 2, sc));
    for (PetscInt k = 0; k < p; k++) fit->scale[0][k] = sc[k], fit->scale[1][k] = sc[p + k];
  }
  PetscCall(PnlmeH5ReadRows(&h, g, "history", H5T_NATIVE_DOUBLE, 1, &hh, (hsize_t)niter, 0, (hsize_t)niter, fit->hist));
  PetscCall(PnlmeH5ReadRows(&h, g, "complete_loglik", H5T_NATIVE_DOUBLE, 0, NULL, (hsize_t)niter, 0, (hsize_t)niter, fit->cdll));
  PnlmeH5CloseGroup(&h, g);
  PetscCall(PetscMalloc1(2 * fit->nlocal + 1, &ids));
  RNGTypes(&rngm, &rngf);
  g = PnlmeH5OpenGroup(&h, h.file, "subjects");
  PetscCall(PnlmeH5ReadRows(&h, g, "ID", H5T_NATIVE_INT64, 0, NULL, N, g0, nl, ids));
  PetscCall(PnlmeH5ReadRows(&h, g, "nobs", H5T_NATIVE_INT64, 0, NULL, N, g0, nl, ids + fit->nlocal));
  PetscCall(PnlmeH5ReadRows(&h, g, "z", H5T_NATIVE_DOUBLE, 2, hnc, N, g0, nl, fit->z));
  PetscCall(PnlmeH5ReadRows(&h, g, "ll", H5T_NATIVE_DOUBLE, 1, hnc, N, g0, nl, fit->ll));
  PetscCall(PnlmeH5ReadRows(&h, g, "rng", rngm, 1, hnc, N, g0, nl, fit->rng));
  PetscCall(PnlmeH5ReadRows(&h, g, "cmean", H5T_NATIVE_DOUBLE, 1, &hp, N, g0, nl, fit->cmean));
  PetscCall(PnlmeH5ReadRows(&h, g, "ccov", H5T_NATIVE_DOUBLE, 2, hpp, N, g0, nl, fit->ccov));
  PetscCall(PnlmeH5ReadRows(&h, g, "nmom", H5T_NATIVE_DOUBLE, 1, &h2p, N, g0, nl, fit->nmom));
  PnlmeH5CloseGroup(&h, g);
  H5Tclose(rngm);
  H5Tclose(rngf);
  if (fit->vem) {
    hsize_t two = 2;
    g = PnlmeH5OpenGroup(&h, h.file, "vem");
    PetscCall(PnlmeH5ReadRows(&h, g, "m", H5T_NATIVE_DOUBLE, 1, &hp, N, g0, nl, fit->vemw.m));
    PetscCall(PnlmeH5ReadRows(&h, g, "L", H5T_NATIVE_DOUBLE, 2, hpp, N, g0, nl, fit->vemw.L));
    PetscCall(PnlmeH5ReadRows(&h, g, "rss_elbo", H5T_NATIVE_DOUBLE, 1, &two, N, g0, nl, fit->vemw.rss));
    PnlmeH5CloseGroup(&h, g);
  }
  g = PnlmeH5OpenGroup(&h, h.file, "observations");
  PetscCall(PnlmeH5ReadRows(&h, g, "pred", H5T_NATIVE_DOUBLE, 0, NULL, (hsize_t)fit->Ntot * nc, (hsize_t)ostart * nc, (hsize_t)nobsl * nc, fit->pred));
  PnlmeH5CloseGroup(&h, g);
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
  PetscCall(PetscLogEventEnd(PNLME_FitCheckpoint, 0, 0, 0, 0));
  if (fit->printevery > 0) PetscCall(PetscPrintf(comm, "%s restarted from %s after iteration %" PetscInt64_FMT "\n", fit->vem ? "VEM" : "SAEM", fit->restart, niter));
  PetscFunctionReturn(0);
}
