/* pnlme: system layer -- initialisation, log events, collective errors, exact reductions. */
#pragma once
#include <petsc.h>
#include <stdint.h>

#define PNLME_VERSION "0.1.0"

/* Registers log classes/events and the built-in models. Called by PnlmeInitialize. */
PETSC_EXTERN PetscErrorCode PnlmeInitialize(void);
PETSC_EXTERN PetscErrorCode PnlmeFinalize(void);

/* Log stages, events and class id (valid after PnlmeInitialize), shown by -log_view.  A subject
   solve (closed form or ODE integration, with or without sensitivities) is PnlmeModelPred. */
PETSC_EXTERN PetscClassId  PNLME_CLASSID;
PETSC_EXTERN PetscLogEvent PNLME_DataRead, PNLME_DataPartition, PNLME_ModelPredict, PNLME_Simulate, PNLME_SimWrite;
PETSC_EXTERN PetscLogEvent PNLME_EStep, PNLME_MStep, PNLME_NonCentred, PNLME_FitMAP, PNLME_FitLinearize, PNLME_FitIS, PNLME_FitOutput, PNLME_FitCheckpoint;
PETSC_EXTERN PetscLogEvent PNLME_FitVPC; /* VPC simulations and prediction curves of results.h5 */
PETSC_EXTERN PetscLogEvent PNLME_VEMEStep, PNLME_VEMMStep; /* variational EM: E-step (Gauss-Newton steps of every q_i), M-step */
PETSC_EXTERN PetscLogStage PNLME_StageSAEM, PNLME_StageVEM, PNLME_StageLikelihood, PNLME_StageOutput;

/* Runs a thin application: PetscInitialize, PnlmeInitialize, run(), then on error prints ONE line
   "<prog>: error: <message>" on rank 0 (the message of the error raised collectively) and returns 1.
   Non-collective errors abort all ranks after printing. */
PETSC_EXTERN int PnlmeAppMain(int argc, char **argv, const char help[], PetscErrorCode (*run)(void));

#define PNLME_NO_ERROR_KEY INT64_MAX
/* Deferred, collective errors.  A rank that finds a problem records it with a sort key (for example
   the line number in a file); PnlmeDeferredErrorRaise is collective: if any rank recorded an error,
   every rank raises PETSC_ERR_USER with the message of the smallest key. */
typedef struct {
  PetscInt64 key;  /* PNLME_NO_ERROR_KEY when empty */
  char       msg[512];
} PnlmeDeferredError;
PETSC_EXTERN void           PnlmeDeferredErrorInit(PnlmeDeferredError *);
PETSC_EXTERN void           PnlmeDeferredErrorSet(PnlmeDeferredError *, PetscInt64 key, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
PETSC_EXTERN PetscErrorCode PnlmeDeferredErrorRaise(MPI_Comm, PnlmeDeferredError *);

/* Exact (reproducible) summation: the result is the correctly rounded sum of all terms, whatever the
   order of additions or the number of ranks.  Accumulates into wide fixed-point integers. */
#define PNLME_EXACTSUM_LIMBS 40
typedef struct {
  int64_t limb[PNLME_EXACTSUM_LIMBS]; /* limb k holds bits [32*(k-20), 32*(k-19)) of the value */
  int32_t nadd;                       /* additions since last normalisation */
  int32_t special;                    /* 1: a non-finite or out-of-range term was added */
} PnlmeExactSum;
PETSC_EXTERN void           PnlmeExactSumReset(PnlmeExactSum *, PetscInt n);
PETSC_EXTERN void           PnlmeExactSumAdd(PnlmeExactSum *, PetscReal x);
PETSC_EXTERN PetscReal      PnlmeExactSumValue(PnlmeExactSum *);
/* Collective: sums n accumulators across comm in place (result identical on every rank). */
PETSC_EXTERN PetscErrorCode PnlmeExactSumAllreduce(MPI_Comm, PetscInt n, PnlmeExactSum sums[]);

/* Parse a comma-separated "key=value" list such as "W0=3433,kin=86.6"; helpers for options. */
PETSC_EXTERN PetscErrorCode PnlmeParseKeyValues(const char opt[], const char str[], PetscInt maxn, PetscInt *n, char keys[][64], PetscReal vals[]);

/* mkdir -p (not collective): 0 on success, an errno value otherwise */
PETSC_EXTERN int PnlmeMakeDirectory(const char path[]);

/* Collective text output in rank order with MPI-IO (src/sys/orderedfile.c): append to buf (after
   PnlmeOrderedFileReserve), then PnlmeOrderedFileWriteRound on every rank; the file is the
   concatenation of the ranks' buffers in rank order.  `what` names the file in error messages. */
typedef struct {
  char       path[PETSC_MAX_PATH_LEN], what[64];
  MPI_File   fh;
  PetscBool  open;
  char      *buf;
  size_t     len, cap;
  PetscInt64 offset; /* bytes written by all ranks in the previous rounds */
} PnlmeOrderedFile;
PETSC_EXTERN PetscErrorCode PnlmeOrderedFileOpen(MPI_Comm, const char path[], const char what[], PnlmeOrderedFile *);
PETSC_EXTERN PetscErrorCode PnlmeOrderedFileReserve(PnlmeOrderedFile *, size_t extra);
PETSC_EXTERN PetscErrorCode PnlmeOrderedFileWriteRound(MPI_Comm, PnlmeOrderedFile *);
PETSC_EXTERN PetscErrorCode PnlmeOrderedFileClose(MPI_Comm, PnlmeOrderedFile *);

/* XXH64 (xxHash, 64 bits) of len bytes with a seed (src/sys/hash.c): the checkpoints' checksums */
PETSC_EXTERN uint64_t PnlmeHash64(const void *data, size_t len, uint64_t seed);
