/* File-system helpers. */
#include <pnlmesys.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>

/* mkdir -p: creates path and its missing parents; 0 on success, errno otherwise (not collective) */
int PnlmeMakeDirectory(const char path[])
{
  char   dir[PETSC_MAX_PATH_LEN];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof(dir)) return ENAMETOOLONG;
  memcpy(dir, path, n + 1);
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) return errno;
    *p = '/';
  }
  if (mkdir(dir, 0777) && errno != EEXIST) return errno;
  return 0;
}

/* Collective: rank 0 creates dir (mkdir -p) and writes and removes a file in it; every rank raises
   the same one-line error if either fails (opt names the option in the message). */
PetscErrorCode PnlmeCheckOutputDirectory(MPI_Comm comm, const char opt[], const char dir[])
{
  PetscMPIInt rank;
  int         err[2] = {0, 0}; /* errno of mkdir, of the test file */
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    err[0] = PnlmeMakeDirectory(dir);
    if (!err[0]) {
      char  path[PETSC_MAX_PATH_LEN];
      FILE *fp;
      snprintf(path, sizeof(path), "%s/.pnlme-write-test-%d", dir, (int)getpid());
      fp = fopen(path, "w");
      if (!fp) err[1] = errno ? errno : EACCES;
      else {
        if (fclose(fp)) err[1] = errno ? errno : EIO;
        remove(path);
      }
    }
  }
  PetscCallMPI(MPI_Bcast(err, 2, MPI_INT, 0, comm));
  PetscCheck(!err[0], comm, PETSC_ERR_FILE_OPEN, "%s %s: cannot create the directory: %s", opt, dir, strerror(err[0]));
  PetscCheck(!err[1], comm, PETSC_ERR_FILE_OPEN, "%s %s: cannot write in the directory: %s", opt, dir, strerror(err[1]));
  PetscFunctionReturn(0);
}
