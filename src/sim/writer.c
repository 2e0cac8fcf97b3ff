/* PnlmeSim: collective CSV output with MPI-IO.  Each rank formats the rows of its subjects of a round
   into its buffer; the offsets come from an exclusive scan of the byte counts, and every rank takes
   part in every round's MPI_File_write_at_all (with zero bytes when it has nothing left). */
#include "sim/simimpl.h"
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

/* rank 0 creates the missing parent directories of path (errors show up when opening the file) */
static void MakeParents(const char path[])
{
  char   dir[PETSC_MAX_PATH_LEN];
  size_t n = strlen(path);
  if (n >= sizeof(dir)) return;
  memcpy(dir, path, n + 1);
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) return;
    *p = '/';
  }
}

PetscErrorCode PnlmeSimFileReserve(PnlmeSimFile *f, size_t extra)
{
  PetscFunctionBegin;
  if (f->len + extra <= f->cap) PetscFunctionReturn(0);
  {
    size_t cap = PetscMax(2 * f->cap, f->len + extra);
    char  *nb;
    PetscCall(PetscMalloc1(cap, &nb));
    if (f->len) memcpy(nb, f->buf, f->len);
    PetscCall(PetscFree(f->buf));
    f->buf = nb;
    f->cap = cap;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimFileOpen(PnlmeSim sim, PnlmeSimFile *f)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)sim);
  PetscMPIInt rank, rc, bad, len;
  char        msg[MPI_MAX_ERROR_STRING] = "";
  const char *opt = f == &sim->par ? "-sim_output_params" : "-sim_output";
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) MakeParents(f->path);
  PetscCallMPI(MPI_Barrier(comm));
  rc = MPI_File_open(comm, f->path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &f->fh);
  bad = rc != MPI_SUCCESS;
  if (bad) MPI_Error_string(rc, msg, &len);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  if (bad) {
    if (rc == MPI_SUCCESS) MPI_File_close(&f->fh);
    SETERRQ(comm, PETSC_ERR_FILE_OPEN, "option %s %s: cannot open the file for writing%s%s", opt, f->path, msg[0] ? ": " : "", msg);
  }
  f->open = PETSC_TRUE;
  /* an existing longer file must not keep its tail */
  rc  = MPI_File_set_size(f->fh, 0);
  bad = rc != MPI_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_WRITE, "option %s %s: cannot truncate the file", opt, f->path);
  f->offset = 0;
  f->len    = 0;
  PetscFunctionReturn(0);
}

/* Collective: writes this round's buffers of all ranks one after the other, then empties them. */
PetscErrorCode PnlmeSimFileWriteRound(PnlmeSim sim, PnlmeSimFile *f)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)sim);
  PetscMPIInt rank, rc;
  long long   mine = (long long)f->len, before = 0, tot[2];
  MPI_Status  status;
  const char *opt = f == &sim->par ? "-sim_output_params" : "-sim_output";
  PetscFunctionBegin;
  PetscCheck(f->len < (size_t)INT_MAX, PETSC_COMM_SELF, PETSC_ERR_PLIB, "round buffer of %lld bytes exceeds the MPI count range", mine);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscLogEventBegin(PNLME_SimWrite, 0, 0, 0, 0));
  PetscCallMPI(MPI_Exscan(&mine, &before, 1, MPI_LONG_LONG, MPI_SUM, comm));
  if (!rank) before = 0; /* undefined on rank 0 */
  rc     = MPI_File_write_at_all(f->fh, (MPI_Offset)(f->offset + before), f->buf, (int)f->len, MPI_BYTE, &status);
  tot[0] = mine;
  tot[1] = rc != MPI_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tot, 2, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCall(PetscLogEventEnd(PNLME_SimWrite, 0, 0, 0, 0));
  PetscCheck(!tot[1], comm, PETSC_ERR_FILE_WRITE, "option %s %s: writing failed (disk full or no permission?)", opt, f->path);
  f->offset += (PetscInt64)tot[0];
  f->len = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimFileClose(PnlmeSim sim, PnlmeSimFile *f)
{
  PetscFunctionBegin;
  (void)sim;
  if (f->open) PetscCallMPI(MPI_File_close(&f->fh));
  f->open = PETSC_FALSE;
  PetscCall(PetscFree(f->buf));
  f->cap = f->len = 0;
  PetscFunctionReturn(0);
}
