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
/* The same for pnlme's applications, whose options are the tables of `groups` (comma-separated):
   option files (-options_file_yaml, -options_file) are checked first (a YAML error is one line
   FILE:LINE:COLUMN), -help lists the groups' options and exits, -help_all adds PETSc's; an option
   under a pnlme prefix that no table declares is an error before run(); options left unused at the end
   are warnings.  run() calls PnlmeOptionsCheckUnused once its objects are set up. */
PETSC_EXTERN int PnlmeAppMainOptions(int argc, char **argv, const char help[], const char groups[], PetscErrorCode (*run)(void));

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

/* Options (src/sys/options.c).  Every option of a pnlme object is declared once in its object's table
   and registered at PnlmeInitialize: the table gives -help (grouped by object, defaults, ranges), the
   range checks (a value out of range is one line naming the option and the range), and the check that
   every option given is read by the run (a misspelling is an error naming the nearest valid name).
   Objects read their options with PnlmeOptionsGet<Type>(obj, "-name", ...), obj giving the prefix. */
typedef enum { PNLME_OPT_BOOL, PNLME_OPT_INT, PNLME_OPT_REAL, PNLME_OPT_STRING, PNLME_OPT_ENUM, PNLME_OPT_INTARRAY } PnlmeOptionType;
typedef struct {
  const char        *name;  /* "-saem_k1" */
  PnlmeOptionType    type;
  const char        *def;   /* the default, as shown by -help */
  const char        *range; /* numbers: "[1, 1e6]", "(0, 1)", "[0, inf)"; NULL: any */
  const char *const *list;  /* PNLME_OPT_ENUM: the allowed values, NULL-terminated */
  const char        *help;
} PnlmeOption;
/* group: a short name ("saem"); title: the heading of -help; prefixes: object prefixes (comma-separated,
   e.g. "covariates_") under which the table is also read, or NULL */
PETSC_EXTERN PetscErrorCode PnlmeOptionsRegister(const char group[], const char title[], const char prefixes[], PetscInt n, const PnlmeOption opts[]);
/* The options prefix ("focei_tao_") of a PETSc solver inside the objects of table `group` (read under
   the table's prefixes too; help: one line for -help).  A solver option whose prefix no table registers
   (-tao_type, -foce_tao_type), or whose object the run does not make, is an error at start-up. */
PETSC_EXTERN PetscErrorCode PnlmeOptionsRegisterSolver(const char group[], const char prefix[], const char help[]);
PETSC_EXTERN PetscErrorCode PnlmeOptionsGetInt(PetscObject, const char name[], PetscInt *, PetscBool *set);
PETSC_EXTERN PetscErrorCode PnlmeOptionsGetReal(PetscObject, const char name[], PetscReal *, PetscBool *set);
PETSC_EXTERN PetscErrorCode PnlmeOptionsGetBool(PetscObject, const char name[], PetscBool *, PetscBool *set);
PETSC_EXTERN PetscErrorCode PnlmeOptionsGetString(PetscObject, const char name[], char value[], size_t len, PetscBool *set);
PETSC_EXTERN PetscErrorCode PnlmeOptionsGetEnum(PetscObject, const char name[], PetscInt *, PetscBool *set);
/* n: in, the capacity of v; out, the number of values given */
PETSC_EXTERN PetscErrorCode PnlmeOptionsGetIntArray(PetscObject, const char name[], PetscInt v[], PetscInt *n, PetscBool *set);
/* -help: the options of the listed groups (comma-separated; NULL: all) with defaults, ranges and help */
PETSC_EXTERN PetscErrorCode PnlmeOptionsView(MPI_Comm, const char groups[]);
/* Collective.  CheckNames: an option given under a pnlme prefix (-saem_, -fit_, ...) that no table
   declares is an error naming the nearest declared name.  CheckUnused: after set-up, an option no rank
   has read is an error (solver options -*tao_* are left to the final check, which only warns). */
PETSC_EXTERN PetscErrorCode PnlmeOptionsCheckNames(MPI_Comm);
PETSC_EXTERN PetscErrorCode PnlmeOptionsCheckUnused(MPI_Comm, PetscBool final);
/* Collective, right after a solver's SetFromOptions (a TAO inside a pnlme object): an option under its
   prefix ("-focei_tao_") that it did not read is an error naming the nearest TAO option ("what": the
   solver, for the message); views and those under one of `later` (comma-separated, read only if the
   solver changes type) are left to the final check. */
PETSC_EXTERN PetscErrorCode PnlmeOptionsCheckSolver(MPI_Comm, PetscObject solver, const char what[], const char later[]);
/* Collective: -<prefix>tao_type, if given, is one of the TAO types ok[] (NULL-terminated) that suit the
   problem ("what", for the message); else one line listing them (TAO's other types fail inside TAO on
   each rank alone, or solve another problem). */
PETSC_EXTERN PetscErrorCode PnlmeOptionsCheckTaoType(MPI_Comm, const char prefix[], const char *const ok[], const char what[]);
/* Collective: -<prefix><name> ("-focei_" + "-tao_max_it"), if given, is one line "use <use>": a solver's
   name for an option pnlme has, which would override it silently */
PETSC_EXTERN PetscErrorCode PnlmeOptionsRefuse(MPI_Comm, const char prefix[], const char name[], const char use[]);
PETSC_EXTERN PetscErrorCode PnlmeOptionsFinalize(void);

/* Parse a comma-separated "key=value" list such as "W0=3433,kin=86.6" (a key given twice is an error). */
PETSC_EXTERN PetscErrorCode PnlmeParseKeyValues(const char opt[], const char str[], PetscInt maxn, PetscInt *n, char keys[][64], PetscReal vals[]);

/* mkdir -p (not collective): 0 on success, an errno value otherwise */
PETSC_EXTERN int PnlmeMakeDirectory(const char path[]);
/* Collective: creates dir if needed and checks that a file can be written in it (rank 0 tries, every
   rank raises the same one-line error naming opt and dir) */
PETSC_EXTERN PetscErrorCode PnlmeCheckOutputDirectory(MPI_Comm, const char opt[], const char dir[]);

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

/* e^x in plain IEEE operations (src/sys/vmath.c): the same bits on every machine and in SIMD lanes as
   in scalar code, within 2 ulp of the correctly rounded value; 0 below -707.  PnlmeExpv: n values. */
PETSC_EXTERN PetscReal PnlmeExp(PetscReal x);
PETSC_EXTERN void      PnlmeExpv(PetscInt n, const PetscReal x[], PetscReal y[]);
/* log x in plain IEEE operations (src/sys/vmath.c): the same bits on every machine and in SIMD lanes
   as in scalar code, within 2 ulp of libm's log; -inf at 0, NaN below.  PnlmeLogv: n values. */
PETSC_EXTERN PetscReal PnlmeLog(PetscReal x);
PETSC_EXTERN void      PnlmeLogv(PetscInt n, const PetscReal x[], PetscReal y[]);
