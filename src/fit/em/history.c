/* The history of the iterations (one row of population parameters per iteration), the settling test
   that ends the exploration, and the progress lines: shared by the iterative estimator types. */
#include "fit/fitimpl.h"

PetscErrorCode PnlmeFitRecordHistory(PnlmeFit fit, PetscInt iter)
{
  PetscReal *h = fit->hist + iter * fit->nhist, *phi = fit->phi;
  PetscInt   c = 0, p = fit->p;
  PetscFunctionBegin;
  PnlmeModelTransformToNatural(fit->model, fit->pop.B, phi, NULL);
  for (PetscInt k = 0; k < p; k++) h[c++] = phi[k];
  for (PetscInt a = 1; a < fit->q; a++)
    for (PetscInt k = 0; k < p; k++)
      if (fit->pop.mask[a * p + k]) h[c++] = fit->pop.B[a * p + k];
  for (PetscInt k = 0; k < p; k++) h[c++] = fit->pop.fixed[k] ? 0.0 : PetscSqrtReal(fit->pop.Omega[k * p + k]);
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = k + 1; l < p; l++)
      if (fit->pop.block[k] == fit->pop.block[l]) h[c++] = fit->pop.Omega[k * p + l] / PetscSqrtReal(fit->pop.Omega[k * p + k] * fit->pop.Omega[l * p + l]);
  for (PetscInt e = 0; e < PnlmeErrorNumParameters(&fit->pop); e++) {
    PetscInt  k;
    PetscBool isb;
    PnlmeErrorParameter(&fit->pop, e, &k, &isb);
    h[c++] = isb ? fit->pop.b[k] : fit->pop.a[k];
  }
  PnlmePopSelectRecord(&fit->pop, iter);
  fit->niter = iter + 1;
  PetscFunctionReturn(0);
}

/* The exploration has settled when the complete-data log-likelihood has: its means over the two
   halves of the window differ by less than autotol standard deviations of the window (a drift shows
   as a difference of means comparable to the spread).  The likelihood, not the estimates: on a flat
   ridge (weakly identified parameters) estimates keep wandering at no gain.  Tested every 10
   iterations once the minimum exploration is done.  The window: the last autowin iterations, or all
   of those after the annealing phase (and after a random effect's removal) when fewer, but at least
   autowin / 2 of them; so the minimum exploration -saem_k1 can end it (300 = 150 of annealing + 150),
   where a full window after the annealing made it 350 at the least (docs/saem.md). */
PetscBool PnlmeFitSettled(PnlmeFit fit, PetscInt iter)
{
  PetscInt  W = PetscMin(fit->autowin, iter + 1 - PetscMax(fit->saiter, fit->settlefrom)), h = W / 2;
  PetscReal m1 = 0, m2 = 0, m = 0, v = 0;
  if (iter + 1 < fit->K1min || W < PetscMax(2, fit->autowin / 2) || (iter + 1) % 10) return PETSC_FALSE;
  for (PetscInt t = iter + 1 - W; t <= iter; t++) {
    m += fit->cdll[t];
    if (t < iter + 1 - h) m1 += fit->cdll[t];
    else m2 += fit->cdll[t];
  }
  m /= W;
  m1 /= (W - h);
  m2 /= h;
  for (PetscInt t = iter + 1 - W; t <= iter; t++) v += PetscSqr(fit->cdll[t] - m);
  v = PetscSqrtReal(v / (W - 1));
  return (PetscBool)(PetscAbsReal(m2 - m1) <= fit->autotol * v);
}

/* The exploration's last variance parameters (-saem_explore_average).  SAEM's exploration (step 1)
   is a stochastic EM: its iterates do not converge but fluctuate, Omega's most (each M-step sets it
   to the covariance of one draw per subject and chain), and along a weakly identified variance (the
   neonatal lag time's omega) they wander slowly.  In the smoothing phase B keeps moving fast (the
   interweaving step, a Gauss-Newton step along the population parameters), but Omega and the error
   parameters only by the averaged EM updates, whose steps 1/k add up to log K2: where EM contracts
   slowly they end about where the exploration's last iterate left them.  So the smoothing starts from
   their mean over the settling test's window instead (the stochastic EM's estimate, Celeux & Diebolt
   1985; Polyak-Ruppert averaging), B from its last iterate: a mean of B would lag behind a drift
   along a ridge that the interweaving step follows (docs/saem.md).  A mean of covariance matrices is
   one. */
static void IterateCopy(PnlmeFit fit, PetscReal r[], PetscBool toring)
{
  PetscReal     *v[3] = {fit->pop.Omega, fit->pop.a, fit->pop.b};
  const PetscInt n[3] = {fit->p * fit->p, fit->pop.nout, fit->pop.nout};
  for (PetscInt t = 0, o = 0; t < 3; o += n[t], t++) {
    if (toring) PetscArraycpy(r + o, v[t], n[t]);
    else PetscArraycpy(v[t], r + o, n[t]);
  }
}

PetscErrorCode PnlmeFitIteratesSetUp(PnlmeFit fit)
{
  PetscFunctionBegin;
  if (!fit->exploreavg) PetscFunctionReturn(0);
  fit->nitring = fit->p * fit->p + 2 * fit->pop.nout;
  fit->nitrows = PetscMin(fit->autowin, fit->K1); /* the window is never longer than the exploration (K1: its most) */
  PetscCall(PetscCalloc1((fit->nitrows + 1) * fit->nitring, &fit->itring));
  PetscFunctionReturn(0);
}

void PnlmeFitRecordIterate(PnlmeFit fit, PetscInt iter)
{
  if (fit->itring && iter < fit->K1) IterateCopy(fit, fit->itring + (iter % fit->nitrows) * fit->nitring, PETSC_TRUE);
}

/* the window is the settling test's: the last autowin iterations after the annealing (and after a
   random effect's removal), at least two of them */
PetscErrorCode PnlmeFitExplorationAverage(PnlmeFit fit, PetscInt iter, PetscBool *set)
{
  const PetscInt   W = PetscMin(fit->nitrows, iter + 1 - PetscMax(fit->saiter, fit->settlefrom)), nr = fit->nitring;
  PetscReal       *avg;
  const PetscReal *r0;
  PetscFunctionBegin;
  *set = PETSC_FALSE;
  if (!fit->itring || W < 2) PetscFunctionReturn(0);
  avg = fit->itring + fit->nitrows * nr; /* the work row */
  r0  = fit->itring + ((iter + 1 - W) % fit->nitrows) * nr;
  /* the first plus the mean change from it: an entry that stayed (a removed random effect's identity
     row, a fixed error parameter) keeps its value bitwise */
  PetscCall(PetscArrayzero(avg, nr));
  for (PetscInt t = iter + 2 - W; t <= iter; t++)
    for (PetscInt j = 0; j < nr; j++) avg[j] += fit->itring[(t % fit->nitrows) * nr + j] - r0[j];
  for (PetscInt j = 0; j < nr; j++) avg[j] = r0[j] + avg[j] / W;
  IterateCopy(fit, avg, PETSC_FALSE);
  PetscCall(PnlmePopFactor(&fit->pop));
  *set = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* the progress line every -saem_print_every iterations and at the last: the estimator, the
   iteration, the phase, a monitored quantity and every population parameter */
PetscErrorCode PnlmeFitPrintProgress(PnlmeFit fit, const char est[], PetscInt iter, PetscInt K, const char what[], PetscReal value)
{
  const PetscReal *h = fit->hist + iter * fit->nhist;
  char             line[2048] = "";
  size_t           len        = 0;
  PetscFunctionBegin;
  if (fit->printevery <= 0 || ((iter + 1) % fit->printevery && iter + 1 != K)) PetscFunctionReturn(0);
  if (!fit->printedheader) { /* the columns, once */
    for (PetscInt c = 0; c < fit->nhist && len < sizeof(line) - 200; c++) {
      char name[160];
      PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
      PetscCall(PetscSNPrintf(line + len, sizeof(line) - len, " %s", name));
      PetscCall(PetscStrlen(line, &len));
    }
    PetscCall(PetscPrintf(PetscObjectComm((PetscObject)fit), "%s iteration/total phase | %s |%s\n", est, what, line));
    fit->printedheader = PETSC_TRUE;
    line[0] = 0;
    len     = 0;
  }
  for (PetscInt c = 0; c < fit->nhist && len < sizeof(line) - 32; c++) {
    PetscCall(PetscSNPrintf(line + len, sizeof(line) - len, " %.5g", (double)h[c]));
    PetscCall(PetscStrlen(line, &len));
  }
  PetscCall(PetscPrintf(PetscObjectComm((PetscObject)fit), "%s %4" PetscInt_FMT "/%" PetscInt_FMT " %s | %s %.2f |%s\n", est, iter + 1, K, iter < fit->K1 ? "explore" : "smooth ", what, (double)value, line));
  PetscFunctionReturn(0);
}

