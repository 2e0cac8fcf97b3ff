/* Disposition of the closed-form PK models: the central concentration after a unit bolus into the
   central compartment as a sum of exponentials, sum_k A_k exp(-lam_k u), with exact derivatives of
   (A_k, lam_k) with respect to the disposition parameters (hand-derived, chain rule through the
   micro-constants).  Hot path: no allocation, no PETSc error machinery. */
#include "model/pk/pk.h"
#include <math.h>

/* one compartment, (CL, V): lam = CL/V, A = 1/V */
int PnlmePKDisposition1CL(const PetscReal q[], int deriv, PnlmePKDisposition *d)
{
  const PetscReal CL = q[0], V = q[1], iV = 1.0 / V;
  d->n      = 1;
  d->lam[0] = CL * iV;
  d->A[0]   = iV;
  if (deriv) {
    d->dlam[0][0] = iV;
    d->dlam[0][1] = -CL * iV * iV;
    d->dA[0][0]   = 0.0;
    d->dA[0][1]   = -iV * iV;
  }
  return 0;
}

/* one compartment, (k, V): lam = k, A = 1/V */
int PnlmePKDisposition1K(const PetscReal q[], int deriv, PnlmePKDisposition *d)
{
  const PetscReal iV = 1.0 / q[1];
  d->n      = 1;
  d->lam[0] = q[0];
  d->A[0]   = iV;
  if (deriv) {
    d->dlam[0][0] = 1.0;
    d->dlam[0][1] = 0.0;
    d->dA[0][0]   = 0.0;
    d->dA[0][1]   = -iV * iV;
  }
  return 0;
}

/* Two compartments from the micro-constants m = (k10, k12, k21, V1); J = dm/dq [4 x 4] for the chain rule.
     alpha, beta = (s +- disc)/2, s = k10 + k12 + k21, disc = sqrt(w^2 + 4 k12 k21), w = k10 + k12 - k21
     A_alpha = (alpha - k21) / (V1 disc), A_beta = (k21 - beta) / (V1 disc)
   disc > 0 whenever k12 k21 > 0, so the two rates never coincide.  Cancellation-free forms:
   beta = k10 k21 / alpha, and (alpha - k21)(k21 - beta) = k12 k21 gives the smaller of the two
   numerators from the larger one. */
static int Disposition2Micro(PetscReal k10, PetscReal k12, PetscReal k21, PetscReal V1, int deriv, const PetscReal J[4][4], PnlmePKDisposition *d)
{
  const PetscReal w = k10 + k12 - k21, g = k12 * k21, s = k10 + k12 + k21, p = k10 * k21;
  const PetscReal disc = sqrt(w * w + 4.0 * g), alpha = 0.5 * (s + disc), beta = p / alpha;
  PetscReal       a1, b1;

  if (w >= 0) {
    a1 = 0.5 * (w + disc);
    b1 = g / a1;
  } else {
    b1 = 0.5 * (disc - w);
    a1 = g / b1;
  }
  if (!(disc > 0) || !(a1 > 0) || !(b1 > 0) || !(beta > 0) || !(alpha < PETSC_MAX_REAL) || !(V1 * disc < PETSC_MAX_REAL)) return 1;
  d->n      = 2;
  d->lam[0] = alpha;
  d->lam[1] = beta;
  d->A[0]   = a1 / (V1 * disc);
  d->A[1]   = b1 / (V1 * disc);
  if (deriv) {
    const PetscReal dw[4] = {1, 1, -1, 0}, dg[4] = {0, k21, k12, 0}, ds[4] = {1, 1, 1, 0}, dp[4] = {k21, 0, k10, 0}, dV1[4] = {0, 0, 0, 1};
    PetscReal       dmA[2][4], dmlam[2][4];
    for (int i = 0; i < 4; i++) {
      const PetscReal ddisc = (w * dw[i] + 2.0 * dg[i]) / disc, dalpha = 0.5 * (ds[i] + ddisc), dbeta = (dp[i] - beta * dalpha) / alpha;
      PetscReal       da1, db1;
      if (w >= 0) {
        da1 = 0.5 * (dw[i] + ddisc);
        db1 = (dg[i] - b1 * da1) / a1;
      } else {
        db1 = 0.5 * (ddisc - dw[i]);
        da1 = (dg[i] - a1 * db1) / b1;
      }
      dmlam[0][i] = dalpha;
      dmlam[1][i] = dbeta;
      dmA[0][i]   = d->A[0] * (da1 / a1 - ddisc / disc - dV1[i] / V1);
      dmA[1][i]   = d->A[1] * (db1 / b1 - ddisc / disc - dV1[i] / V1);
    }
    for (int k = 0; k < 2; k++)
      for (int j = 0; j < 4; j++) {
        PetscReal sa = 0, sl = 0;
        for (int i = 0; i < 4; i++) {
          sa += dmA[k][i] * J[i][j];
          sl += dmlam[k][i] * J[i][j];
        }
        d->dA[k][j]   = sa;
        d->dlam[k][j] = sl;
      }
  }
  return 0;
}

/* two compartments, (CL, V1, Q, V2): k10 = CL/V1, k12 = Q/V1, k21 = Q/V2 */
int PnlmePKDisposition2CL(const PetscReal q[], int deriv, PnlmePKDisposition *d)
{
  const PetscReal CL = q[0], V1 = q[1], Q = q[2], V2 = q[3];
  const PetscReal J[4][4] = {
    {1.0 / V1, -CL / (V1 * V1), 0,        0              },
    {0,        -Q / (V1 * V1),  1.0 / V1, 0              },
    {0,        0,               1.0 / V2, -Q / (V2 * V2)},
    {0,        1,               0,        0              }
  };
  return Disposition2Micro(CL / V1, Q / V1, Q / V2, V1, deriv, J, d);
}

/* two compartments, (k, V1, k12, k21) */
int PnlmePKDisposition2K(const PetscReal q[], int deriv, PnlmePKDisposition *d)
{
  const PetscReal J[4][4] = {
    {1, 0, 0, 0},
    {0, 0, 1, 0},
    {0, 0, 0, 1},
    {0, 1, 0, 0}
  };
  return Disposition2Micro(q[0], q[2], q[3], q[1], deriv, J, d);
}
