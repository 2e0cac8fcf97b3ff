/* The partition covers every subject exactly once, in contiguous ranges of global indices, including a
   subject whose rows span several ranks' scan ranges, a dropped subject, and a file with one subject only.
   The files are written by rank 0 into the working directory; reading uses a tiny buffer (-data_read_buffer). */
#include "datatest.h"

static PetscErrorCode WriteFile(const char name[], PetscInt nsmall, PetscInt nbig)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!rank) {
    FILE    *f = fopen(name, "w");
    PetscInt id = 1;
    PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", name);
    fprintf(f, "ID,TIME,DV,AMT,EVID,MDV,WT\n");
    for (PetscInt i = 0; i < nsmall; i++, id++) fprintf(f, "%d,0,.,100,1,1,%g\n%d,1,%g,0,0,0,%g\n%d,2,%g,0,0,0,%g\n", (int)id, 50.0 + id % 7, (int)id, 1.0 + 0.01 * i, 50.0 + id % 7, (int)id, 2.0 + 0.01 * i, 50.0 + id % 7);
    if (nbig) { /* the big subject, then one without observations */
      fprintf(f, "%d,0,.,100,1,1,70\n", (int)id);
      for (PetscInt j = 1; j <= nbig; j++) fprintf(f, "%d,%g,%g,0,0,0,70\n", (int)id, 0.1 * j, 5.0 + 0.001 * j);
      id++;
      fprintf(f, "%d,0,.,100,1,1,60\n", (int)id++);
    }
    for (PetscInt i = 0; i < nsmall; i++, id++) fprintf(f, "%d,0,.,100,1,1,%g\n%d,1,%g,0,0,0,%g\n%d,2,%g,0,0,0,%g\n", (int)id, 40.0 + id % 5, (int)id, 3.0 + 0.01 * i, 40.0 + id % 5, (int)id, 4.0 + 0.01 * i, 40.0 + id % 5);
    PetscCheck(!fclose(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", name);
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* gathers (gindex, id) of all subjects and checks coverage and order */
static PetscErrorCode CheckCover(PnlmeData d, PetscInt64 nexpect, PetscInt64 skipid)
{
  PetscInt           n, nranks;
  PetscInt64         N, gs, ge, *mine, *all, sum = 0;
  PetscMPIInt        size, *cnt, *dsp, m;
  PnlmeSubject       s;
  const PetscInt64  *pn, *pc;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PnlmeDataGetNumSubjects(d, &n, &N));
  PetscCall(PnlmeDataGetOwnershipRange(d, &gs, &ge));
  PNLME_TEST_CHECK(N == nexpect, "%" PetscInt64_FMT " subjects, expected %" PetscInt64_FMT, N, nexpect);
  PetscCall(PetscMalloc1(2 * n + 1, &mine));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PnlmeDataGetSubject(d, i, &s));
    PNLME_TEST_CHECK(s.gindex == gs + i, "local subject %d has global index %" PetscInt64_FMT, (int)i, s.gindex);
    mine[2 * i]     = s.gindex;
    mine[2 * i + 1] = s.id;
  }
  PetscCall(PetscMalloc3(size, &cnt, size, &dsp, 2 * N + 1, &all));
  m = (PetscMPIInt)(2 * n);
  PetscCallMPI(MPI_Allgather(&m, 1, MPI_INT, cnt, 1, MPI_INT, PETSC_COMM_WORLD));
  dsp[0] = 0;
  for (PetscMPIInt q = 1; q < size; q++) dsp[q] = dsp[q - 1] + cnt[q - 1];
  PNLME_TEST_CHECK(dsp[size - 1] + cnt[size - 1] == 2 * N, "ranks hold %d subjects in total, expected %" PetscInt64_FMT, (dsp[size - 1] + cnt[size - 1]) / 2, N);
  PetscCallMPI(MPI_Allgatherv(mine, m, MPIU_INT64, all, cnt, dsp, MPIU_INT64, PETSC_COMM_WORLD));
  /* rank order is global index order, each index once, IDs in file order without the dropped one */
  for (PetscInt64 k = 0; k < N; k++) {
    PetscInt64 id = k + 1 + (skipid > 0 && k + 1 >= skipid ? 1 : 0);
    PNLME_TEST_CHECK(all[2 * k] == k, "position %" PetscInt64_FMT " holds global index %" PetscInt64_FMT, k, all[2 * k]);
    PNLME_TEST_CHECK(all[2 * k + 1] == id, "global index %" PetscInt64_FMT " is ID %" PetscInt64_FMT ", expected %" PetscInt64_FMT, k, all[2 * k + 1], id);
  }
  PetscCall(PnlmeDataGetPartition(d, &nranks, &pn, &pc));
  PNLME_TEST_CHECK(nranks == size, "partition over %d ranks", (int)nranks);
  for (PetscInt q = 0; q < nranks; q++) {
    PNLME_TEST_CHECK(pn[q] == cnt[q] / 2, "partition says %" PetscInt64_FMT " subjects on rank %d, it holds %d", pn[q], (int)q, cnt[q] / 2);
    sum += pn[q];
  }
  PNLME_TEST_CHECK(sum == N, "partition counts add up to %" PetscInt64_FMT, sum);
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree3(cnt, dsp, all));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PnlmeData    d;
  PnlmeSubject s;
  PetscBool    has;
  PetscInt     found = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsSetValue(NULL, "-data_read_buffer", "256"));
  /* 300 small subjects, one with 6000 observations (most of the file: it spans several scan ranges), one
     without observations (dropped: a warning), 300 small ones */
  PetscCall(WriteFile("partition-big.csv", 300, 6000));
  PetscCall(DataTestLoadChecked("partition-big.csv", "WT:log", NULL, &d));
  PetscCall(CheckCover(d, 601, 302));
  PetscCall(DataTestFind(d, 301, &s, &has));
  if (has) {
    found = 1;
    PNLME_TEST_CHECK(s.nobs == 6000 && s.nev == 6001 && s.line == 2 + 900 && s.gindex == 300, "the big subject: nobs %d line %" PetscInt64_FMT, (int)s.nobs, s.line);
    PNLME_TEST_CHECK(s.tobs[5999] == 600.0 && s.dv[5999] == 11.0, "the big subject's last observation");
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &found, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  PNLME_TEST_CHECK(found == 1, "the big subject is on %d ranks", (int)found);
  PetscCall(DataTestFind(d, 302, &s, &has));
  PNLME_TEST_CHECK(!has, "the subject without observations is dropped");
  PetscCall(DataTestFind(d, 303, &s, &has));
  if (has) PNLME_TEST_CHECK(s.gindex == 301 && s.line == 2 + 900 + 6001 + 1, "the subject after the dropped one: gindex %" PetscInt64_FMT " line %" PetscInt64_FMT, s.gindex, s.line);
  PetscCall(PnlmeDataViewPartition(d, PETSC_VIEWER_STDOUT_WORLD));
  PetscCall(PnlmeDataDestroy(&d));

  /* one subject only: the other ranks hold nothing */
  PetscCall(WriteFile("partition-one.csv", 0, 2000));
  PetscCall(DataTestLoadChecked("partition-one.csv", NULL, NULL, &d));
  PetscCall(CheckCover(d, 1, 2));
  PetscCall(PnlmeDataDestroy(&d));

  /* many small subjects: balanced ranges */
  PetscCall(WriteFile("partition-small.csv", 500, 0));
  PetscCall(DataTestLoadChecked("partition-small.csv", "WT:center", NULL, &d));
  PetscCall(CheckCover(d, 1000, 0));
  {
    PetscInt          nranks;
    const PetscInt64 *pn;
    PetscCall(PnlmeDataGetPartition(d, &nranks, &pn, NULL));
    for (PetscInt q = 0; q < nranks; q++) PNLME_TEST_CHECK(PetscAbs(pn[q] * nranks - 1000) <= nranks, "rank %d holds %" PetscInt64_FMT " of 1000 equal subjects", (int)q, pn[q]);
  }
  PetscCall(PnlmeDataDestroy(&d));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "data partition: all checks passed\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "data partition test", Run);
}
