/* Private: collective parallel-HDF5 files of a fit (results.h5 in h5results.c, checkpoints in
   checkpoint.c).  Every rank opens the file with the MPI-IO driver and takes part in every call;
   datasets are written and read by hyperslabs of rows at each rank's offset with collective
   transfers.  HDF5 failures are recorded with PnlmeH5Check (the first one per rank, with HDF5's own
   reason) instead of being raised at once, so that no rank leaves a collective operation that the
   others are still in; PnlmeH5Raise and PnlmeH5Close raise them on every rank, as one line naming the
   file. */
#pragma once
#include "fit/fitimpl.h"
#include <hdf5.h>

typedef struct {
  MPI_Comm    comm;
  PetscMPIInt rank;
  char        path[PETSC_MAX_PATH_LEN]; /* the file named in the messages */
  char        role[64];                 /* what the file is, e.g. "checkpoint" or "-restart" */
  PetscBool   writing;                  /* PETSC_ERR_FILE_WRITE (else PETSC_ERR_FILE_READ) */
  hid_t       file, dxpl;
  int         failed;   /* this rank recorded a failure */
  char        msg[PETSC_MAX_PATH_LEN + 640]; /* its description */
  H5E_auto2_t efunc;    /* HDF5's automatic error printing, off while the file is open */
  void       *edata;
} PnlmeH5;

/* records a failure of an HDF5 call (negative return) with a short description of what failed */
#define PnlmeH5Check(h, expr, ...) \
  do { \
    if ((expr) < 0) PnlmeH5Fail((h), __VA_ARGS__); \
  } while (0)

PETSC_INTERN void PnlmeH5Fail(PnlmeH5 *, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
/* collective: create (truncate) or open read-only; raise at once if the file cannot be opened */
PETSC_INTERN PetscErrorCode PnlmeH5Create(MPI_Comm, const char path[], const char role[], PnlmeH5 *);
PETSC_INTERN PetscErrorCode PnlmeH5Open(MPI_Comm, const char path[], const char role[], PnlmeH5 *);
/* collective: open an existing file to add to it */
PETSC_INTERN PetscErrorCode PnlmeH5OpenAppend(MPI_Comm, const char path[], const char role[], PnlmeH5 *);
/* collective: raise on every rank the failure recorded on the lowest rank, if any */
PETSC_INTERN PetscErrorCode PnlmeH5Raise(PnlmeH5 *);
/* collective: close (flush to storage first when writing with sync) and raise any failure */
PETSC_INTERN PetscErrorCode PnlmeH5Close(PnlmeH5 *, PetscBool sync);
PETSC_INTERN hid_t          PnlmeH5CreateGroup(PnlmeH5 *, hid_t loc, const char name[]);
PETSC_INTERN hid_t          PnlmeH5OpenGroup(PnlmeH5 *, hid_t loc, const char name[]);
PETSC_INTERN void           PnlmeH5CloseGroup(PnlmeH5 *, hid_t);

/* attributes (collective; every rank passes the same value) */
PETSC_INTERN PetscErrorCode PnlmeH5WriteAttrString(PnlmeH5 *, hid_t obj, const char name[], const char value[]);
PETSC_INTERN PetscErrorCode PnlmeH5WriteAttrInt(PnlmeH5 *, hid_t obj, const char name[], PetscInt64 value);
PETSC_INTERN PetscErrorCode PnlmeH5WriteAttrReal(PnlmeH5 *, hid_t obj, const char name[], PetscReal value);
/* a missing attribute is a recorded failure; strings longer than len are a failure too */
PETSC_INTERN PetscErrorCode PnlmeH5ReadAttrString(PnlmeH5 *, hid_t obj, const char name[], char value[], size_t len);
PETSC_INTERN PetscErrorCode PnlmeH5ReadAttrInt(PnlmeH5 *, hid_t obj, const char name[], PetscInt64 *value);
PETSC_INTERN PetscErrorCode PnlmeH5ReadAttrReal(PnlmeH5 *, hid_t obj, const char name[], PetscReal *value);

/* A dataset of nglobal rows, each row of shape extra[0..nextra-1].  This rank writes (reads) rows
   [start, start + nlocal) from (into) buf, contiguous in memory.  Collective.  Data held by every
   rank (global arrays) is written by rank 0 alone: pass start = 0 and nlocal = nglobal on rank 0 and
   nlocal = 0 elsewhere.  Reading checks the shape. */
PETSC_INTERN PetscErrorCode PnlmeH5WriteRows(PnlmeH5 *, hid_t loc, const char name[], hid_t memtype, hid_t filetype, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, hsize_t start, hsize_t nlocal, const void *buf);
PETSC_INTERN PetscErrorCode PnlmeH5ReadRows(PnlmeH5 *, hid_t loc, const char name[], hid_t memtype, PetscInt nextra, const hsize_t extra[], hsize_t nglobal, hsize_t start, hsize_t nlocal, void *buf);
/* a 1-D dataset of n fixed-length, NUL-terminated strings, written by rank 0 (same on every rank) */
PETSC_INTERN PetscErrorCode PnlmeH5WriteStrings(PnlmeH5 *, hid_t loc, const char name[], PetscInt n, const char *const strs[]);

/* vpc.c: /vpc and /curves of results.h5 (collective, with the file open) */
PETSC_INTERN PetscErrorCode PnlmeFitWriteSimulations(PnlmeFit, PnlmeH5 *);

/* h5results.c: the log events of the results files and checkpoints */
