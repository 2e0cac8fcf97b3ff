/* Inverse of the Fisher information.  Below -fim_scalapack_threshold parameters (or on one rank):
   LAPACK Cholesky (potrf/potri) on every rank.  Above it: ScaLAPACK pdpotrf/pdpotri on a 2-D
   process grid of the fit's communicator with a block-cyclic layout; every rank fills its blocks from
   the (replicated) matrix, and the inverse is put back together by an exact sum (each entry comes
   from exactly one rank).  Debian ships no ScaLAPACK header: the prototypes are declared here. */
#include "fit/fitimpl.h"
#include <petscblaslapack.h>

extern void Cblacs_get(int ctxt, int what, int *val);
extern void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
extern void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
extern void Cblacs_gridexit(int ctxt);
extern int  Csys2blacs_handle(MPI_Comm comm);
extern void Cfree_blacs_system_handle(int handle);
extern int  numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
extern void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
extern void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca, int *info);
extern void pdpotri_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca, int *info);

static PetscErrorCode InvertLAPACK(PetscInt n, PetscReal A[], PetscBool *ok)
{
  PetscBLASInt bn, info;
  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(n, &bn));
  LAPACKpotrf_("U", &bn, A, &bn, &info);
  if (!info) LAPACKpotri_("U", &bn, A, &bn, &info);
  *ok = (PetscBool)!info;
  PetscFunctionReturn(0);
}

/* global index of local row/column l in a block-cyclic distribution */
static inline int Global(int l, int nb, int iproc, int nprocs)
{
  return (l / nb) * nb * nprocs + iproc * nb + l % nb;
}

static PetscErrorCode InvertScaLAPACK(MPI_Comm comm, PetscInt n, PetscReal A[], PetscBool *ok)
{
  PetscMPIInt size;
  int         handle, ctxt, nprow, npcol, myrow, mycol, nb = 32, izero = 0, ione = 1, N = (int)n, mloc, nloc, lld, desc[9], info = 0;
  PetscReal  *loc, *full;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (nprow = (int)PetscSqrtReal((PetscReal)size); size % nprow; nprow--) { }
  npcol  = size / nprow;
  handle = Csys2blacs_handle(comm);
  ctxt   = handle;
  Cblacs_gridinit(&ctxt, "Row", nprow, npcol);
  Cblacs_gridinfo(ctxt, &nprow, &npcol, &myrow, &mycol);
  mloc = numroc_(&N, &nb, &myrow, &izero, &nprow);
  nloc = numroc_(&N, &nb, &mycol, &izero, &npcol);
  lld  = PetscMax(1, mloc);
  descinit_(desc, &N, &N, &nb, &nb, &izero, &izero, &ctxt, &lld, &info);
  PetscCheck(!info, PETSC_COMM_SELF, PETSC_ERR_LIB, "ScaLAPACK descinit failed (%d)", info);
  PetscCall(PetscMalloc1(PetscMax(1, (size_t)mloc * nloc), &loc));
  for (int j = 0; j < nloc; j++)
    for (int i = 0; i < mloc; i++) loc[i + (size_t)j * lld] = A[Global(i, nb, myrow, nprow) * n + Global(j, nb, mycol, npcol)];
  pdpotrf_("U", &N, loc, &ione, &ione, desc, &info);
  if (!info) pdpotri_("U", &N, loc, &ione, &ione, desc, &info);
  /* every rank has the same info (ScaLAPACK reports it globally) */
  *ok = (PetscBool)!info;
  PetscCall(PetscCalloc1((size_t)n * n, &full));
  if (*ok)
    for (int j = 0; j < nloc; j++)
      for (int i = 0; i < mloc; i++) {
        int gi = Global(i, nb, myrow, nprow), gj = Global(j, nb, mycol, npcol);
        if (gi <= gj) full[gi * n + gj] = loc[i + (size_t)j * lld]; /* the upper triangle holds the inverse */
      }
  PetscCallMPI(MPI_Allreduce(full, A, (PetscMPIInt)(n * n), MPIU_REAL, MPI_SUM, comm)); /* one nonzero term per entry: exact */
  PetscCall(PetscFree(full));
  PetscCall(PetscFree(loc));
  Cblacs_gridexit(ctxt);
  Cfree_blacs_system_handle(handle);
  /* full[] holds entry (gi, gj), gi <= gj, at row-major gi*n + gj: fill the lower triangle */
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt j = 0; j < i; j++) A[i * n + j] = A[j * n + i];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitInvertFIM(PnlmeFit fit, PetscInt n, PetscReal A[], PetscBool *ok)
{
  PetscMPIInt size;
  MPI_Comm    comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1 && n >= fit->fimthreshold) {
    PetscCall(InvertScaLAPACK(comm, n, A, ok));
    fit->fimscalapack = PETSC_TRUE;
  } else {
    PetscCall(InvertLAPACK(n, A, ok));
    /* potri leaves the inverse in the column-major upper triangle: entry (i, j), i <= j, at
       A[j*n + i], the row-major lower triangle; fill the row-major upper one */
    for (PetscInt i = 0; i < n; i++)
      for (PetscInt j = i + 1; j < n; j++) A[i * n + j] = A[j * n + i];
    fit->fimscalapack = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}
