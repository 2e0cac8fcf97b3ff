/* results.h5 and individuals.csv, written collectively by all ranks (schema: docs/results-schema.md),
   and the parallel-HDF5 helpers of h5io.h shared with the checkpoints (checkpoint.c).
   Per-subject and per-observation data go in global subject order: each rank writes the hyperslab of
   its subjects (PnlmeDataGetOwnershipRange) and of their observations (an exclusive scan of the
   observation counts), so the files do not depend on the number of ranks. */
#include "fit/io/h5io.h"
#include <petsctime.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>

/* ------------------------------------------------------------------ HDF5 helpers (h5io.h) */

/* the innermost description on HDF5's error stack: the most specific reason (often the system's) */
static herr_t InnermostError(unsigned n, const H5E_error2_t *err, void *ctx)
{
  char *desc = (char *)ctx;
  (void)n;
  if (err->desc && err->desc[0]) {
    strncpy(desc, err->desc, 255);
    desc[255] = 0;
  }
  return 0;
}

void PnlmeH5Fail(PnlmeH5 *h, const char fmt[], ...)
{
  char    what[256], reason[256] = "";
  va_list ap;
  if (h->failed) return; /* keep the first failure: the later ones follow from it */
  h->failed = 1;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, InnermostError, reason);
  H5Eclear2(H5E_DEFAULT);
  snprintf(h->msg, sizeof(h->msg), "%s %s: %s%s%s", h->role, h->path, what, reason[0] ? ": " : "", reason);
}

static PetscErrorCode H5Begin(MPI_Comm comm, const char path[], const char role[], PetscBool writing, PnlmeH5 *h)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(h, sizeof(*h)));
  h->comm    = comm;
  h->writing = writing;
  h->file    = H5I_INVALID_HID;
  h->dxpl    = H5I_INVALID_HID;
  PetscCallMPI(MPI_Comm_rank(comm, &h->rank));
  PetscCall(PetscStrncpy(h->path, path, sizeof(h->path)));
  PetscCall(PetscStrncpy(h->role, role, sizeof(h->role)));
  /* our messages replace HDF5's printed error stacks */
  H5Eget_auto2(H5E_DEFAULT, &h->efunc, &h->edata);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscFunctionReturn(0);
}

static hid_t FileAccess(PnlmeH5 *h)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  PnlmeH5Check(h, fapl, "cannot create a file-access property list");
  PnlmeH5Check(h, H5Pset_fapl_mpio(fapl, h->comm, MPI_INFO_NULL), "cannot select the MPI-IO driver");
  PnlmeH5Check(h, H5Pset_all_coll_metadata_ops(fapl, 1), "cannot select collective metadata reads");
  PnlmeH5Check(h, H5Pset_coll_metadata_write(fapl, 1), "cannot select collective metadata writes");
  return fapl;
}

static void TransferCollective(PnlmeH5 *h)
{
  h->dxpl = H5Pcreate(H5P_DATASET_XFER);
  PnlmeH5Check(h, h->dxpl, "cannot create a transfer property list");
  PnlmeH5Check(h, H5Pset_dxpl_mpio(h->dxpl, H5FD_MPIO_COLLECTIVE), "cannot select collective transfers");
}

PetscErrorCode PnlmeH5Create(MPI_Comm comm, const char path[], const char role[], PnlmeH5 *h)
{
  hid_t fapl;
  PetscFunctionBegin;
  PetscCall(H5Begin(comm, path, role, PETSC_TRUE, h));
  fapl    = FileAccess(h);
  h->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  PnlmeH5Check(h, h->file, "cannot create the file");
  if (fapl >= 0) H5Pclose(fapl);
  TransferCollective(h);
  PetscCall(PnlmeH5Raise(h));
  PetscFunctionReturn(0);
}

static PetscErrorCode H5OpenMode(MPI_Comm comm, const char path[], const char role[], PetscBool writing, PnlmeH5 *h)
{
  hid_t       fapl;
  PetscMPIInt err = 0;
  PetscFunctionBegin;
  PetscCall(H5Begin(comm, path, role, writing, h));
  /* a missing or unreadable file: the system's reason, before MPI-IO's less telling one */
  if (!h->rank && access(path, R_OK)) err = errno;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  if (err) {
    H5Eset_auto2(H5E_DEFAULT, h->efunc, h->edata);
    SETERRQ(comm, PETSC_ERR_FILE_OPEN, "%s %s: cannot open the file: %s", role, path, strerror(err));
  }
  fapl    = FileAccess(h);
  h->file = H5Fopen(path, writing ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
  PnlmeH5Check(h, h->file, "cannot open the file as HDF5");
  if (fapl >= 0) H5Pclose(fapl);
  TransferCollective(h);
  PetscCall(PnlmeH5Raise(h));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5Open(MPI_Comm comm, const char path[], const char role[], PnlmeH5 *h)
{
  PetscFunctionBegin;
  PetscCall(H5OpenMode(comm, path, role, PETSC_FALSE, h));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5OpenAppend(MPI_Comm comm, const char path[], const char role[], PnlmeH5 *h)
{
  PetscFunctionBegin;
  PetscCall(H5OpenMode(comm, path, role, PETSC_TRUE, h));
  PetscFunctionReturn(0);
}

static void H5End(PnlmeH5 *h)
{
  if (h->dxpl >= 0) H5Pclose(h->dxpl);
  if (h->file >= 0) H5Fclose(h->file);
  h->dxpl = h->file = H5I_INVALID_HID;
  H5Eclear2(H5E_DEFAULT);
  H5Eset_auto2(H5E_DEFAULT, h->efunc, h->edata);
}

PetscErrorCode PnlmeH5Raise(PnlmeH5 *h)
{
  PetscMPIInt size, first;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(h->comm, &size));
  first = h->failed ? h->rank : size;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, h->comm));
  if (first == size) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Bcast(h->msg, sizeof(h->msg), MPI_CHAR, first, h->comm));
  H5End(h);
  SETERRQ(h->comm, h->writing ? PETSC_ERR_FILE_WRITE : PETSC_ERR_FILE_READ, "%s", h->msg);
}

PetscErrorCode PnlmeH5Close(PnlmeH5 *h, PetscBool sync)
{
  PetscFunctionBegin;
  if (sync && h->file >= 0) PnlmeH5Check(h, H5Fflush(h->file, H5F_SCOPE_GLOBAL), "cannot flush the file to storage");
  if (h->dxpl >= 0) H5Pclose(h->dxpl);
  h->dxpl = H5I_INVALID_HID;
  if (h->file >= 0) PnlmeH5Check(h, H5Fclose(h->file), "cannot close the file (disk full?)");
  h->file = H5I_INVALID_HID;
  PetscCall(PnlmeH5Raise(h));
  H5End(h);
  PetscFunctionReturn(0);
}

hid_t PnlmeH5CreateGroup(PnlmeH5 *h, hid_t loc, const char name[])
{
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PnlmeH5Check(h, g, "cannot create group /%s", name);
  return g;
}

hid_t PnlmeH5OpenGroup(PnlmeH5 *h, hid_t loc, const char name[])
{
  hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
  PnlmeH5Check(h, g, "no group /%s (not a file of this kind?)", name);
  return g;
}

void PnlmeH5CloseGroup(PnlmeH5 *h, hid_t g)
{
  if (g >= 0) PnlmeH5Check(h, H5Gclose(g), "cannot close a group");
}

static void WriteAttr(PnlmeH5 *h, hid_t obj, const char name[], hid_t type, const void *value)
{
  hid_t space = H5Screate(H5S_SCALAR), attr;
  attr        = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  PnlmeH5Check(h, attr, "cannot create attribute %s", name);
  if (attr >= 0) {
    PnlmeH5Check(h, H5Awrite(attr, type, value), "cannot write attribute %s", name);
    H5Aclose(attr);
  }
  H5Sclose(space);
}

static hid_t StringType(size_t len)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, len > 0 ? len : 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  return t;
}

PetscErrorCode PnlmeH5WriteAttrString(PnlmeH5 *h, hid_t obj, const char name[], const char value[])
{
  hid_t type = StringType(strlen(value) + 1);
  PetscFunctionBegin;
  WriteAttr(h, obj, name, type, value);
  H5Tclose(type);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5WriteAttrInt(PnlmeH5 *h, hid_t obj, const char name[], PetscInt64 value)
{
  int64_t v = (int64_t)value;
  PetscFunctionBegin;
  WriteAttr(h, obj, name, H5T_NATIVE_INT64, &v);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5WriteAttrReal(PnlmeH5 *h, hid_t obj, const char name[], PetscReal value)
{
  double v = (double)value;
  PetscFunctionBegin;
  WriteAttr(h, obj, name, H5T_NATIVE_DOUBLE, &v);
  PetscFunctionReturn(0);
}

static hid_t OpenAttr(PnlmeH5 *h, hid_t obj, const char name[])
{
  hid_t attr = H5Aexists(obj, name) > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : H5I_INVALID_HID;
  PnlmeH5Check(h, attr, "no attribute %s (not a file of this kind?)", name);
  return attr;
}

PetscErrorCode PnlmeH5ReadAttrString(PnlmeH5 *h, hid_t obj, const char name[], char value[], size_t len)
{
  hid_t attr = OpenAttr(h, obj, name);
  PetscFunctionBegin;
  value[0] = 0;
  if (attr >= 0) {
    hid_t  ftype = H5Aget_type(attr), mtype;
    size_t n     = ftype >= 0 ? H5Tget_size(ftype) : 0;
    if (ftype < 0 || H5Tget_class(ftype) != H5T_STRING || n + 1 > len) PnlmeH5Fail(h, "attribute %s is not a string of at most %zu characters", name, len - 1);
    else {
      char *buf;
      PetscCall(PetscCalloc1(n + 1, &buf));
      mtype = StringType(n + 1);
      PnlmeH5Check(h, H5Aread(attr, mtype, buf), "cannot read attribute %s", name);
      PetscCall(PetscStrncpy(value, buf, len));
      PetscCall(PetscFree(buf));
      H5Tclose(mtype);
    }
    if (ftype >= 0) H5Tclose(ftype);
    H5Aclose(attr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5ReadAttrInt(PnlmeH5 *h, hid_t obj, const char name[], PetscInt64 *value)
{
  hid_t   attr = OpenAttr(h, obj, name);
  int64_t v    = 0;
  PetscFunctionBegin;
  if (attr >= 0) {
    PnlmeH5Check(h, H5Aread(attr, H5T_NATIVE_INT64, &v), "cannot read attribute %s", name);
    H5Aclose(attr);
  }
  *value = (PetscInt64)v;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5ReadAttrReal(PnlmeH5 *h, hid_t obj, const char name[], PetscReal *value)
{
  hid_t  attr = OpenAttr(h, obj, name);
  double v    = 0;
  PetscFunctionBegin;
  if (attr >= 0) {
    PnlmeH5Check(h, H5Aread(attr, H5T_NATIVE_DOUBLE, &v), "cannot read attribute %s", name);
    H5Aclose(attr);
  }
  *value = (PetscReal)v;
  PetscFunctionReturn(0);
}

/* the memory space of this rank's rows, and their selection in the file space */
static void SelectRows(PnlmeH5 *h, hid_t fspace, PetscInt nextra, const hsize_t extra[], hsize_t start, hsize_t nlocal, hid_t *mspace)
{
  hsize_t off[8] = {0}, cnt[8];
  cnt[0] = nlocal;
  off[0] = start;
  for (PetscInt k = 0; k < nextra; k++) cnt[1 + k] = extra[k];
  if (nlocal > 0) {
    PnlmeH5Check(h, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL), "cannot select rows");
    *mspace = H5Screate_simple((int)(1 + nextra), cnt, NULL);
  } else {
    cnt[0] = 1;
    PnlmeH5Check(h, H5Sselect_none(fspace), "cannot select rows");
    *mspace = H5Screate_simple((int)(1 + nextra), cnt, NULL);
    H5Sselect_none(*mspace);
  }
}

PetscErrorCode PnlmeH5WriteRows(PnlmeH5 *h, hid_t loc, const char name[], hid_t memtype, hid_t filetype, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, hsize_t start, hsize_t nlocal, const void *buf)
{
  hsize_t dims[8];
  hid_t   fspace, mspace, dset;
  double  dummy = 0;
  PetscFunctionBegin;
  PetscCheck(nextra >= 0 && nextra < 7, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "at most 7 dimensions");
  dims[0] = nglobal;
  for (PetscInt k = 0; k < nextra; k++) dims[1 + k] = extra[k];
  fspace = H5Screate_simple((int)(1 + nextra), dims, NULL);
  PnlmeH5Check(h, fspace, "cannot create the dataspace of %s", name);
  dset = H5Dcreate2(loc, name, filetype, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PnlmeH5Check(h, dset, "cannot create dataset %s", name);
  SelectRows(h, fspace, nextra, extra, start, nlocal, &mspace);
  PnlmeH5Check(h, H5Dwrite(dset, memtype, mspace, fspace, h->dxpl, buf && nlocal ? buf : (const void *)&dummy), "cannot write dataset %s", name);
  if (mspace >= 0) H5Sclose(mspace);
  if (dset >= 0) PnlmeH5Check(h, H5Dclose(dset), "cannot close dataset %s", name);
  if (fspace >= 0) H5Sclose(fspace);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5ReadRows(PnlmeH5 *h, hid_t loc, const char name[], hid_t memtype, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, hsize_t start, hsize_t nlocal, void *buf)
{
  hsize_t dims[8];
  hid_t   fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID, dset;
  double  dummy;
  PetscFunctionBegin;
  dset = H5Lexists(loc, name, H5P_DEFAULT) > 0 ? H5Dopen2(loc, name, H5P_DEFAULT) : H5I_INVALID_HID;
  PnlmeH5Check(h, dset, "no dataset %s", name);
  if (dset >= 0) fspace = H5Dget_space(dset);
  if (fspace >= 0) {
    int  nd = H5Sget_simple_extent_ndims(fspace);
    PetscBool ok = (PetscBool)(nd == 1 + nextra);
    if (ok) H5Sget_simple_extent_dims(fspace, dims, NULL);
    if (ok) ok = (PetscBool)(dims[0] == nglobal);
    for (PetscInt k = 0; ok && k < nextra; k++) ok = (PetscBool)(dims[1 + k] == extra[k]);
    if (!ok) PnlmeH5Fail(h, "dataset %s does not have the shape expected (%llu rows)", name, (unsigned long long)nglobal);
    else {
      SelectRows(h, fspace, nextra, extra, start, nlocal, &mspace);
      PnlmeH5Check(h, H5Dread(dset, memtype, mspace, fspace, h->dxpl, buf && nlocal ? buf : (void *)&dummy), "cannot read dataset %s", name);
    }
  }
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (dset >= 0) H5Dclose(dset);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeH5WriteStrings(PnlmeH5 *h, hid_t loc, const char name[], PetscInt n, const char *const strs[])
{
  size_t len = 1;
  char  *buf;
  hid_t  type;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) len = PetscMax(len, strlen(strs[i]) + 1);
  PetscCall(PetscCalloc1(PetscMax(n, 1) * len, &buf));
  for (PetscInt i = 0; i < n; i++) memcpy(buf + i * len, strs[i], strlen(strs[i]));
  type = StringType(len);
  PetscCall(PnlmeH5WriteRows(h, loc, name, type, type, 0, NULL, (hsize_t)n, 0, h->rank ? 0 : (hsize_t)n, buf));
  H5Tclose(type);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ individuals.csv */

/* Collective (PnlmeOrderedFile): every rank formats its subjects' rows in rounds of at most `chunk`
   subjects; the file is in global subject order.  Memory per rank: one round's text. */
static PetscErrorCode WriteIndividualsCSV(PnlmeFit fit, const char path[], const PetscReal mean[], const PetscReal sd[], const PetscReal map[])
{
  MPI_Comm         comm = PetscObjectComm((PetscObject)fit);
  PetscInt         p = fit->p, chunk = 8192, nround, nr;
  size_t           rowmax = 32 + (size_t)p * 3 * 26; /* ID, 3p numbers of <= 17 characters (%.10g), separators */
  PetscMPIInt      rank;
  PnlmeOrderedFile f;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  nround = (fit->nlocal + chunk - 1) / chunk;
  PetscCallMPI(MPI_Allreduce(&nround, &nr, 1, MPIU_INT, MPI_MAX, comm));
  nr = PetscMax(nr, 1); /* the header */
  PetscCall(PnlmeOrderedFileOpen(comm, path, "results file", &f));
  for (PetscInt r = 0; r < nr; r++) {
    PetscInt i0 = r * chunk, i1 = PetscMin(fit->nlocal, i0 + chunk);
    if (!rank && !r) {
      PetscCall(PnlmeOrderedFileReserve(&f, 8));
      f.len += (size_t)snprintf(f.buf + f.len, f.cap - f.len, "ID");
      for (PetscInt k = 0; k < p; k++) {
        const char *name;
        size_t      len;
        PetscCall(PnlmeModelGetParameterName(fit->model, k, &name));
        PetscCall(PetscStrlen(name, &len));
        PetscCall(PnlmeOrderedFileReserve(&f, 3 * len + 16));
        f.len += (size_t)snprintf(f.buf + f.len, f.cap - f.len, ",%s_mean,%s_sd,%s_map", name, name, name);
      }
      PetscCall(PnlmeOrderedFileReserve(&f, 2));
      f.len += (size_t)snprintf(f.buf + f.len, f.cap - f.len, "\n");
    }
    PetscCall(PnlmeOrderedFileReserve(&f, (size_t)(i1 > i0 ? i1 - i0 : 0) * rowmax + 1));
    for (PetscInt i = i0; i < i1; i++) {
      PnlmeSubject s;
      PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
      /* snprintf rather than PetscSNPrintf: millions of numbers at 1e6 subjects */
      f.len += (size_t)snprintf(f.buf + f.len, f.cap - f.len, "%" PetscInt64_FMT, s.id);
      for (PetscInt k = 0; k < p; k++) f.len += (size_t)snprintf(f.buf + f.len, f.cap - f.len, ",%.10g,%.10g,%.10g", (double)mean[i * p + k], (double)sd[i * p + k], (double)map[i * p + k]);
      f.len += (size_t)snprintf(f.buf + f.len, f.cap - f.len, "\n");
    }
    PetscCheck(f.len < f.cap, PETSC_COMM_SELF, PETSC_ERR_PLIB, "individuals.csv: row buffer overflow");
    PetscCall(PnlmeOrderedFileWriteRound(comm, &f));
  }
  PetscCall(PnlmeOrderedFileClose(comm, &f));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ results.h5 */

/* conditional mean and SD on the natural scale (from the chains' draws, see saem.c) and the MAP */
static PetscErrorCode IndividualSummaries(PnlmeFit fit, PetscReal mean[], PetscReal sd[], PetscReal map[])
{
  PetscInt  p = fit->p;
  PetscReal n = (PetscReal)PetscMax(fit->ncm, 1);
  PetscFunctionBegin;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    const PetscReal *nm = fit->nmom + 2 * i * p;
    for (PetscInt k = 0; k < p; k++) {
      PetscReal m = nm[k] / n, v = nm[p + k] / n - m * m;
      mean[i * p + k] = m;
      sd[i * p + k]   = PetscSqrtReal(PetscMax(v, 0));
    }
    PnlmeModelTransformToNatural(fit->model, fit->map + i * p, map + i * p, NULL);
  }
  PetscFunctionReturn(0);
}

#define OBS_BLOCK 128 /* subjects whose PRED and IPRED solves go to the model together (PnlmeFitPredictPopInd) */

/* per-observation columns of the local subjects: PRED at the individual mean (eta = 0), IPRED at the
   MAP, IWRES = (DV - IPRED) / g(IPRED) (on the log scale for exponential error).  A failed solve
   gives NaN.  The two solves of OBS_BLOCK subjects at a time go to the model in one call (SIMD lanes
   where the model has them; each the values it has alone). */
static PetscErrorCode ObservationColumns(PnlmeFit fit, int64_t id[], PetscReal t[], PetscReal dv[], PetscReal pred[], PetscReal ipred[], PetscReal iwres[], int32_t out[])
{
  PetscInt64       o = 0;
  PnlmeSubject     bs[OBS_BLOCK];
  PetscReal       *pp[OBS_BLOCK], *ip[OBS_BLOCK];
  PnlmeFitPredWork w;
  PetscFunctionBegin;
  PetscCall(PnlmeFitPredWorkCreate(fit, OBS_BLOCK, &w));
  for (PetscInt i0 = 0; i0 < fit->nlocal; i0 += OBS_BLOCK) {
    const PetscInt nb = PetscMin(OBS_BLOCK, fit->nlocal - i0);
    PetscInt64     ob = o;
    for (PetscInt b = 0; b < nb; b++) {
      PetscCall(PnlmeDataGetSubject(fit->data, i0 + b, &bs[b]));
      pp[b] = pred + ob;
      ip[b] = ipred + ob;
      ob += bs[b].nobs;
    }
    PetscCall(PnlmeFitPredictPopInd(fit, &w, i0, nb, bs, pp, ip));
    for (PetscInt b = 0; b < nb; b++) {
      const PnlmeSubject *s = &bs[b];
      for (PetscInt j = 0; j < s->nobs; j++, o++) {
        PetscInt  k = s->obsout[j];
        PetscReal f = ipred[o], g = PnlmeErrorSD(&fit->pop, k, f);
        id[o]       = (int64_t)s->id;
        t[o]        = s->tobs[j];
        dv[o]       = s->dv[j];
        out[o]      = (int32_t)s->obsout[j];
        if (fit->pop.censored && s->cens && s->cens[j]) iwres[o] = NAN; /* a censored observation has no residual */
        else if (fit->pop.err[k]->logscale) iwres[o] = f > 0 && s->dv[j] > 0 ? (PetscLogReal(s->dv[j]) - PetscLogReal(f)) / g : NAN;
        else iwres[o] = g > 0 ? (s->dv[j] - f) / g : NAN;
      }
    }
  }
  PetscCall(PnlmeFitPredWorkDestroy(&w));
  PetscFunctionReturn(0);
}

/* an options string the same on every rank (rank 0's) */
static PetscErrorCode OptionsString(MPI_Comm comm, char **str)
{
  PetscMPIInt rank;
  PetscInt64  len = 0;
  char       *all = NULL;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    size_t n;
    PetscCall(PetscOptionsGetAll(NULL, &all));
    PetscCall(PetscStrlen(all, &n));
    len = (PetscInt64)n;
  }
  PetscCallMPI(MPI_Bcast(&len, 1, MPIU_INT64, 0, comm));
  PetscCall(PetscMalloc1(len + 1, str));
  if (!rank) PetscCall(PetscArraycpy(*str, all, len + 1));
  PetscCallMPI(MPI_Bcast(*str, (PetscMPIInt)(len + 1), MPI_CHAR, 0, comm));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteEstimates(PnlmeFit fit, PnlmeH5 *h)
{
  PetscInt   n = fit->nhist;
  char     **names, *flat;
  PetscReal *v;
  hid_t      g = PnlmeH5CreateGroup(h, h->file, "estimates");
  PetscFunctionBegin;
  PetscCall(PetscMalloc3(n, &names, (size_t)PetscMax(n, 1) * 160, &flat, 3 * PetscMax(n, 1), &v));
  for (PetscInt c = 0; c < n; c++) {
    PetscReal est = fit->hist[(fit->niter - 1) * n + c];
    names[c]      = flat + c * 160;
    PetscCall(PnlmeFitColumnName(fit, c, names[c], 160));
    v[c]         = est;
    v[n + c]     = fit->se ? fit->se[c] : NAN;
    v[2 * n + c] = 100 * v[n + c] / PetscAbsReal(est);
  }
  PetscCall(PnlmeH5WriteStrings(h, g, "parameter", n, (const char *const *)names));
  PetscCall(PnlmeH5WriteRows(h, g, "estimate", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, n, 0, h->rank ? 0 : n, v));
  PetscCall(PnlmeH5WriteRows(h, g, "se", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, n, 0, h->rank ? 0 : n, v + n));
  PetscCall(PnlmeH5WriteRows(h, g, "rse_percent", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, n, 0, h->rank ? 0 : n, v + 2 * n));
  {
    const char **status;
    PetscCall(PetscMalloc1(PetscMax(n, 1), &status));
    for (PetscInt c = 0; c < n; c++) status[c] = PnlmeFitColumnStatus(fit, c);
    PetscCall(PnlmeH5WriteStrings(h, g, "status", n, status));
    PetscCall(PetscFree(status));
  }
  PnlmeH5CloseGroup(h, g);
  /* the iteration history, same columns */
  g = PnlmeH5CreateGroup(h, h->file, "history");
  PetscCall(PnlmeH5WriteStrings(h, g, "parameter", n, (const char *const *)names));
  {
    hsize_t ncol = (hsize_t)n, nit = (hsize_t)fit->niter;
    PetscCall(PnlmeH5WriteRows(h, g, "values", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &ncol, nit, 0, h->rank ? 0 : nit, fit->hist));
    /* the type's monitored series (VEM: the ELBO of every iteration; SAEM's complete-data log-likelihood is not written) */
    if (fit->seriesname) PetscCall(PnlmeH5WriteRows(h, g, fit->seriesname, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, nit, 0, h->rank ? 0 : nit, fit->cdll));
  }
  PnlmeH5CloseGroup(h, g);
  PetscCall(PetscFree3(names, flat, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteLikelihood(PnlmeFit fit, PnlmeH5 *h)
{
  const char *methods[3];
  PetscReal   col[5][3];
  PetscInt    n = 0;
  hid_t       g = PnlmeH5CreateGroup(h, h->file, "likelihood");
  const char *cname[5] = {"minus2ll", "aic", "bic", "bicc", "mc_se"};
  PetscFunctionBegin;
  if (fit->nis > 0) {
    methods[n] = "is";
    col[0][n]  = fit->m2ll_is;
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &col[1][n], &col[2][n], &col[3][n]));
    col[4][n++] = fit->mcse_is;
  }
  methods[n] = "lin";
  col[0][n]  = fit->m2ll_lin;
  PetscCall(PnlmeFitCriteria(fit, fit->m2ll_lin, &col[1][n], &col[2][n], &col[3][n]));
  col[4][n++] = NAN;
  if (fit->objmethod) { /* the estimator's own objective */
    methods[n] = fit->objmethod;
    col[0][n]  = fit->m2ll_obj;
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_obj, &col[1][n], &col[2][n], &col[3][n]));
    col[4][n++] = NAN;
  }
  PetscCall(PnlmeH5WriteStrings(h, g, "method", n, methods));
  for (PetscInt c = 0; c < 5; c++) PetscCall(PnlmeH5WriteRows(h, g, cname[c], H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, n, 0, h->rank ? 0 : n, col[c]));
  PnlmeH5CloseGroup(h, g);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitWriteResultsHDF5(PnlmeFit fit, const char dir[])
{
  MPI_Comm       comm = PetscObjectComm((PetscObject)fit);
  PetscInt       p    = fit->p;
  PetscInt64     gstart, gend, nobsl, nobsg, ostart = 0;
  PetscMPIInt    size, rank;
  PetscReal     *mean, *sd, *map, *t, *dv, *pred, *ipred, *iwres;
  int64_t       *id, *oid;
  int32_t       *out;
  char           path[PETSC_MAX_PATH_LEN], *opts;
  const char    *mname, *iname, **pnames;
  PnlmeH5        h;
  hid_t          g;
  hsize_t        hp = (hsize_t)p;
  PetscLogDouble now;
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(PNLME_FitOutput, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PnlmeDataGetOwnershipRange(fit->data, &gstart, &gend));
  PetscCall(PnlmeDataGetNumObservations(fit->data, &nobsl, &nobsg));
  PetscCallMPI(MPI_Exscan(&nobsl, &ostart, 1, MPIU_INT64, MPI_SUM, comm));
  if (!rank) ostart = 0; /* MPI_Exscan leaves it undefined there */
  PetscCall(PetscMalloc4(fit->nlocal * p + 1, &mean, fit->nlocal * p + 1, &sd, fit->nlocal * p + 1, &map, fit->nlocal + 1, &id));
  PetscCall(PetscMalloc5(nobsl + 1, &t, nobsl + 1, &dv, nobsl + 1, &pred, nobsl + 1, &ipred, nobsl + 1, &iwres));
  PetscCall(PetscMalloc3(nobsl + 1, &oid, nobsl + 1, &out, p, &pnames));
  PetscCall(IndividualSummaries(fit, mean, sd, map));
  PetscCall(ObservationColumns(fit, oid, t, dv, pred, ipred, iwres, out));
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PnlmeSubject s;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    PetscCheck(s.gindex == gstart + i, PETSC_COMM_SELF, PETSC_ERR_PLIB, "subjects are not in global order");
    id[i] = (int64_t)s.id;
  }
  for (PetscInt k = 0; k < p; k++) PetscCall(PnlmeModelGetParameterName(fit->model, k, &pnames[k]));

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/individuals.csv", dir));
  PetscCall(WriteIndividualsCSV(fit, path, mean, sd, map));

  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/results.h5", dir));
  PetscCall(PnlmeH5Create(comm, path, "results file", &h));
  PetscCall(WriteEstimates(fit, &h));
  PetscCall(WriteLikelihood(fit, &h));
  g = PnlmeH5CreateGroup(&h, h.file, "individuals");
  PetscCall(PnlmeH5WriteStrings(&h, g, "parameter", p, pnames));
  PetscCall(PnlmeH5WriteRows(&h, g, "ID", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, id));
  PetscCall(PnlmeH5WriteRows(&h, g, "mean", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, mean));
  PetscCall(PnlmeH5WriteRows(&h, g, "sd", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, sd));
  PetscCall(PnlmeH5WriteRows(&h, g, "map", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &hp, (hsize_t)fit->N, (hsize_t)gstart, (hsize_t)fit->nlocal, map));
  PetscCall(PnlmeH5WriteAttrString(&h, g, "scale", "natural"));
  PnlmeH5CloseGroup(&h, g);
  g = PnlmeH5CreateGroup(&h, h.file, "observations");
  PetscCall(PnlmeH5WriteRows(&h, g, "ID", H5T_NATIVE_INT64, H5T_STD_I64LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, oid));
  PetscCall(PnlmeH5WriteRows(&h, g, "TIME", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, t));
  PetscCall(PnlmeH5WriteRows(&h, g, "DV", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, dv));
  PetscCall(PnlmeH5WriteRows(&h, g, "PRED", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, pred));
  PetscCall(PnlmeH5WriteRows(&h, g, "IPRED", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, ipred));
  PetscCall(PnlmeH5WriteRows(&h, g, "IWRES", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, iwres));
  PetscCall(PnlmeH5WriteRows(&h, g, "OUTPUT", H5T_NATIVE_INT32, H5T_STD_I32LE, 0, NULL, (hsize_t)nobsg, (hsize_t)ostart, (hsize_t)nobsl, out));
  PnlmeH5CloseGroup(&h, g);
  PetscCall(PnlmeFitWriteSimulations(fit, &h));

  /* attributes of the root group */
  PetscCall(PnlmeModelGetType(fit->model, &mname));
  PetscCall(PnlmeModelGetIntegratorName(fit->model, &iname));
  PetscCall(OptionsString(comm, &opts));
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "format", "pnlme-results"));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "format_version", 2)); /* 2: /estimates/status */
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "pnlme_version", PNLME_VERSION));
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "model", mname));
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "integrator", iname));
  {
    char errdesc[1024];
    PetscCall(PnlmeErrorDescribe(&fit->pop, errdesc, sizeof(errdesc)));
    PetscCall(PnlmeH5WriteAttrString(&h, h.file, "error_model", errdesc));
  }
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "estimator", ((PetscObject)fit)->type_name));
  {
    char omstr[1024];
    PetscCall(PnlmeFitOmegaStructure(fit, omstr, sizeof(omstr)));
    PetscCall(PnlmeH5WriteAttrString(&h, h.file, "omega_structure", omstr));
  }
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "options", opts));
  PetscCall(PnlmeH5WriteAttrString(&h, h.file, "restarted_from", fit->restart));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "seed", fit->seed));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_ranks", size));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_subjects", fit->N));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_observations", fit->Ntot));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_chains", fit->nchains));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "k1", fit->K1));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "k2", fit->K2));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_iterations", fit->niter));
  PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_map_failed", fit->nmapfail));
  {
    PetscInt64 loc[3] = {fit->nproposed, fit->nfailed, fit->nstopped}, tot[3];
    PetscCallMPI(MPI_Allreduce(loc, tot, 3, MPIU_INT64, MPI_SUM, comm));
    PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_evaluations", tot[0]));
    PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_failed_evaluations", tot[1]));
    PetscCall(PnlmeH5WriteAttrInt(&h, h.file, "n_rejected_early", tot[2]));
  }
  {
    double tt[2];
    tt[0] = fit->walltime;
    PetscCall(PetscTime(&now));
    tt[1] = now - petsc_BaseTime; /* since the end of start-up (PetscInitialize), rank 0's clock */
    PetscCallMPI(MPI_Bcast(tt, 2, MPI_DOUBLE, 0, comm));
    PetscCall(PnlmeH5WriteAttrReal(&h, h.file, "saem_time", tt[0]));
    PetscCall(PnlmeH5WriteAttrReal(&h, h.file, "wall_time", tt[1]));
  }
  PetscCall(PnlmeH5Close(&h, PETSC_FALSE));
  PetscCall(PetscFree(opts));
  PetscCall(PetscFree4(mean, sd, map, id));
  PetscCall(PetscFree5(t, dv, pred, ipred, iwres));
  PetscCall(PetscFree3(oid, out, pnames));
  PetscCall(PetscLogEventEnd(PNLME_FitOutput, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
