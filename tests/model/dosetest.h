/* Helpers of the dose-parameter tests (lag time, bioavailability): dosing regimens written once and laid
   out either as the data layer gives them (the model applies its lags and bioavailabilities) or moved and
   scaled by hand (the reference, for a model without dose parameters), and derivatives by differences
   of whole predictions, central or one-sided. */
#pragma once
#include "pktest.h"

typedef struct {
  PetscReal t, amt, rate; /* rate > 0: an infusion of duration amt/rate */
  PetscInt  cmt;
} DTDose;

/* lag[cmt], F[cmt] for cmt 1, 2 (index 0 unused); NULL: none */
static inline void DTBuild(PKTSubject *P, const DTDose d[], PetscInt nd, const PetscReal tobs[], PetscInt nobs, const PetscReal lag[], const PetscReal F[])
{
  PKTInit(P);
  for (PetscInt i = 0; i < nd; i++) { /* doses first: at equal times a dose comes before an observation */
    const PetscReal L = lag ? lag[d[i].cmt] : 0, f = F ? F[d[i].cmt] : 1;
    if (d[i].rate > 0) PKTInfusion(P, d[i].t + L, d[i].rate, f * d[i].amt / d[i].rate, d[i].cmt);
    else PKTBolus(P, d[i].t + L, f * d[i].amt, d[i].cmt);
  }
  for (PetscInt j = 0; j < nobs; j++) PKTObs(P, tobs[j]);
  PKTFinish(P);
}

/* Compares sens [nobs x np] with differences of predictions: side[j] = 0 central, -1 backward, +1 forward
   (second order: (3 y0 - 4 y(-h) + y(-2h)) / 2h); steps h_j = rel |phi_j|.  Scaled as phi_j d pred / d phi_j,
   |an - fd| <= rtol |fd| + atol max|pred|.  *worst: the largest |an - fd| / (|fd| + max|pred|). */
static inline PetscErrorCode DTCheckSens(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi0[], const PetscInt side[], const PetscReal sens[], PetscReal rel, PetscReal rtol, PetscReal atol, const char what[], PetscReal *worst)
{
  PetscInt         np;
  PetscReal        phi[16], mx = 0;
  static PetscReal y0[PKT_MAXOBS], y1[PKT_MAXOBS], y2[PKT_MAXOBS];
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(PKTPredict(m, s, phi0, y0, NULL));
  for (PetscInt i = 0; i < s->nobs; i++) mx = PetscMax(mx, fabs(y0[i]));
  for (PetscInt j = 0; j < np; j++) {
    const PetscReal h  = rel * PetscMax(fabs(phi0[j]), 1e-3);
    const PetscInt  sd = side ? side[j] : 0;
    const char     *name;
    PetscCall(PnlmeModelGetParameterName(m, j, &name));
    for (PetscInt k = 0; k < np; k++) phi[k] = phi0[k];
    phi[j] = phi0[j] + (sd == 0 ? h : sd * h);
    PetscCall(PKTPredict(m, s, phi, y1, NULL));
    phi[j] = phi0[j] + (sd == 0 ? -h : 2 * sd * h);
    PetscCall(PKTPredict(m, s, phi, y2, NULL));
    for (PetscInt i = 0; i < s->nobs; i++) {
      const PetscReal fd = sd == 0 ? (y1[i] - y2[i]) / (2 * h) : sd * (-3 * y0[i] + 4 * y1[i] - y2[i]) / (2 * h);
      const PetscReal a = fabs(phi0[j]) > 0 ? fabs(phi0[j]) : 1, an = a * sens[i * np + j], f = a * fd;
      if (worst) *worst = PetscMax(*worst, fabs(an - f) / (fabs(f) + mx));
      PetscCheck(fabs(an - f) <= rtol * fabs(f) + atol * mx, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: d pred[%d] (t = %.10g) / d %s: analytic %.12g, %s difference %.12g", what, (int)i, (double)s->tobs[i], name, (double)sens[i * np + j],
                 sd == 0 ? "central" : (sd < 0 ? "backward" : "forward"), (double)fd);
    }
  }
  PetscFunctionReturn(0);
}
