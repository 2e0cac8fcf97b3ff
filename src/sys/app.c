/* The common main of pnlme applications: one-line errors and a non-zero exit. */
#include <pnlmesys.h>
#include <string.h>

int PnlmeAppMain(int argc, char **argv, const char help[], PetscErrorCode (*run)(void))
{
  PetscErrorCode ierr;
  const char    *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  PetscMPIInt    rank;

  ierr = PetscInitialize(&argc, &argv, NULL, help);
  if (ierr) return 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  /* errors come back to us silently: we print one line, not a traceback */
  ierr = PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  if (!ierr) ierr = PnlmeInitialize();
  if (!ierr) ierr = run();
  if (ierr) {
    const char *text = NULL;
    char       *specific = NULL;
    PetscErrorMessage(ierr, &text, &specific);
    if (ierr == PETSC_ERR_USER || ierr == PETSC_ERR_ARG_WRONG || ierr == PETSC_ERR_FILE_OPEN || ierr == PETSC_ERR_FILE_READ ||
        ierr == PETSC_ERR_ARG_OUTOFRANGE || ierr == PETSC_ERR_ARG_UNKNOWN_TYPE || ierr == PETSC_ERR_FILE_UNEXPECTED ||
        ierr == PETSC_ERR_ARG_INCOMP || ierr == PETSC_ERR_FILE_WRITE || ierr == PETSC_ERR_ARG_NULL) {
      /* user errors are raised collectively (every rank has the same message): rank 0 prints */
      if (!rank) fprintf(stderr, "%s: error: %s\n", prog, specific && specific[0] ? specific : (text ? text : "unknown error"));
      fflush(stderr);
      PetscPopErrorHandler();
      PetscFinalize();
      return 1;
    }
    /* anything else may be local to this rank: report and take every rank down */
    fprintf(stderr, "%s: error on rank %d: %s (%s)\n", prog, (int)rank, specific && specific[0] ? specific : "", text ? text : "");
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
  PetscPopErrorHandler();
  ierr = PetscFinalize();
  return ierr ? 1 : 0;
}
