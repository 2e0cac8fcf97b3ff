/* Collective text output with MPI-IO, in rank order.  Each rank appends its rows for a round to its
   buffer; PnlmeOrderedFileWriteRound writes every rank's buffer at its offset (an exclusive scan of
   the byte counts), so the file is the concatenation in rank order, whatever the number of ranks.
   Every rank takes part in every round (with zero bytes when it has nothing). */
#include <pnlmesys.h>
#include <limits.h>
#include <string.h>

PetscErrorCode PnlmeOrderedFileOpen(MPI_Comm comm, const char path[], const char what[], PnlmeOrderedFile *f)
{
  PetscMPIInt rank, rc, bad, len;
  char        msg[MPI_MAX_ERROR_STRING] = "", dir[PETSC_MAX_PATH_LEN];
  char       *slash;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(f, sizeof(*f)));
  PetscCall(PetscStrncpy(f->path, path, sizeof(f->path)));
  PetscCall(PetscStrncpy(f->what, what, sizeof(f->what)));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* rank 0 creates missing parent directories (a failure shows when opening the file) */
  PetscCall(PetscStrncpy(dir, path, sizeof(dir)));
  slash = strrchr(dir, '/');
  if (!rank && slash && slash != dir) {
    *slash = 0;
    (void)PnlmeMakeDirectory(dir);
  }
  PetscCallMPI(MPI_Barrier(comm));
  rc  = MPI_File_open(comm, f->path, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &f->fh);
  bad = rc != MPI_SUCCESS;
  if (bad) MPI_Error_string(rc, msg, &len);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  if (bad) {
    if (rc == MPI_SUCCESS) MPI_File_close(&f->fh);
    SETERRQ(comm, PETSC_ERR_FILE_OPEN, "%s %s: cannot open the file for writing%s%s", what, path, msg[0] ? ": " : "", msg);
  }
  f->open = PETSC_TRUE;
  rc      = MPI_File_set_size(f->fh, 0); /* an existing longer file must not keep its tail */
  bad     = rc != MPI_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_WRITE, "%s %s: cannot truncate the file", what, path);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOrderedFileReserve(PnlmeOrderedFile *f, size_t extra)
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

PetscErrorCode PnlmeOrderedFileWriteRound(MPI_Comm comm, PnlmeOrderedFile *f)
{
  PetscMPIInt rank, rc;
  long long   mine = (long long)f->len, before = 0, tot[2];
  MPI_Status  status;
  PetscFunctionBegin;
  PetscCheck(f->len < (size_t)INT_MAX, PETSC_COMM_SELF, PETSC_ERR_PLIB, "round buffer of %lld bytes exceeds the MPI count range", mine);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Exscan(&mine, &before, 1, MPI_LONG_LONG, MPI_SUM, comm));
  if (!rank) before = 0; /* undefined on rank 0 */
  rc     = MPI_File_write_at_all(f->fh, (MPI_Offset)(f->offset + before), f->buf, (int)f->len, MPI_BYTE, &status);
  tot[0] = mine;
  tot[1] = rc != MPI_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tot, 2, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCheck(!tot[1], comm, PETSC_ERR_FILE_WRITE, "%s %s: writing failed (disk full or no permission?)", f->what, f->path);
  f->offset += (PetscInt64)tot[0];
  f->len = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOrderedFileClose(MPI_Comm comm, PnlmeOrderedFile *f)
{
  PetscMPIInt bad = 0;
  PetscFunctionBegin;
  PetscCall(PetscFree(f->buf));
  f->cap = f->len = 0;
  if (!f->open) PetscFunctionReturn(0); /* the same on every rank: opening is collective */
  bad = MPI_File_close(&f->fh) != MPI_SUCCESS;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  f->open = PETSC_FALSE;
  PetscCheck(!bad, comm, PETSC_ERR_FILE_WRITE, "%s %s: closing failed (disk full?)", f->what, f->path);
  PetscFunctionReturn(0);
}
