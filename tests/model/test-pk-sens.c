/* Closed-form PK sensitivities d pred / d phi against central finite differences of PnlmeModelPredict,
   for every model, on a timeline with several boluses, overlapping infusions and a reset, on one of
   boluses only and on one of boluses into both compartments and central infusions (the engine's blocks
   of SIMD lanes; there the predictions with sensitivities have the bits of those without); also at the degenerate points ka == elimination rate. */
#include "pktest.h"

static PKTSubject S;

/* kind 0: the general timeline (infusions into the depot of an oral model: one set at a time); 1: boluses
   into one compartment; 2: boluses into both compartments of an oral model and infusions into the central
   one (both planned: blocks of SIMD lanes) */
static PetscErrorCode Timeline(PetscBool oral, PetscBool many, int kind)
{
  const int cc = oral ? 2 : 1; /* the central compartment */
  PetscFunctionBegin;
  PKTInit(&S);
  if (kind == 2) {
    PKTObs(&S, 0);
    PKTBolus(&S, 0, 300, 1);
    PKTInfusion(&S, 2, 40, 2.5, cc);
    PKTBolus(&S, 6, 120, cc);
    PKTInfusion(&S, 9, 30, 3, cc);
    PKTBolus(&S, 24, 200, 1);
    for (int i = 0; i < 40; i++) PKTObs(&S, 0.05 + 0.9 * i);
    PKTObs(&S, 4.5); /* at the end of the first infusion */
    PKTReset(&S, 40);
    PKTBolus(&S, 41, 100, 1);
    PKTInfusion(&S, 42, 50, 1.5, cc);
    for (int i = 0; i < 8; i++) PKTObs(&S, 41 + 2.3 * i);
    PKTFinish(&S);
    PetscFunctionReturn(0);
  }
  if (kind == 1) { /* into compartment 1 (the depot of an oral model): pre-dose and same-time samples, a reset */
    PKTObs(&S, 0);
    PKTBolus(&S, 0, 300, 1);
    PKTObs(&S, 6);
    PKTBolus(&S, 6, 120, 1);
    PKTBolus(&S, 24, 200, 1);
    for (int i = 0; i < 40; i++) PKTObs(&S, 0.05 + 0.9 * i);
    PKTReset(&S, 40);
    PKTBolus(&S, 41, 100, 1);
    for (int i = 0; i < 8; i++) PKTObs(&S, 41 + 2.3 * i);
    PKTFinish(&S);
    PetscFunctionReturn(0);
  }
  if (many) { /* more doses than the engine remembers: the rescanning path */
    for (int d = 0; d < 200; d++) PKTBolus(&S, -50.0 + 0.25 * d, 10, 1);
    for (int i = 0; i < 10; i++) PKTObs(&S, -49.0 + 5.1 * i);
  }
  PKTBolus(&S, 0, 300, 1);
  PKTInfusion(&S, 5, 40, 2.5, 1);
  PKTInfusion(&S, 6, 25, 4, 1);
  if (oral) PKTBolus(&S, 8, 120, 2);
  if (oral) PKTInfusion(&S, 9, 30, 3, 2);
  PKTBolus(&S, 24, 200, 1);
  for (int i = 0; i < 40; i++) PKTObs(&S, 0.9 * i);
  PKTObs(&S, 5);
  PKTObs(&S, 7.5);
  PKTReset(&S, 40);
  PKTBolus(&S, 41, 100, 1);
  for (int i = 0; i < 8; i++) PKTObs(&S, 41 + 2.3 * i);
  PKTFinish(&S);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckSens(const char name[], const PetscReal phi0[], const char what[], PetscBool many, int kind, PetscReal *worst)
{
  PnlmeModel m;
  PetscInt   np;
  PetscReal  phi[8], pred[PKT_MAXOBS], pred2[PKT_MAXOBS], yp[PKT_MAXOBS], ym[PKT_MAXOBS], mx = 0;
  static PetscReal sens[PKT_MAXOBS * 8];
  PetscFunctionBegin;
  PetscCall(PKTModel(name, &m));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(Timeline(strstr(name, "oral") ? PETSC_TRUE : PETSC_FALSE, many, kind));
  for (PetscInt j = 0; j < np; j++) phi[j] = phi0[j];
  PetscCall(PKTPredict(m, &S.s, phi, pred, sens));
  PetscCall(PKTPredict(m, &S.s, phi, pred2, NULL));
  for (PetscInt i = 0; i < S.nobs; i++) {
    PNLME_TEST_CLOSE(pred[i], pred2[i], 1e-14, 1e-300, "prediction with and without sensitivities");
    PNLME_TEST_CHECK(!kind || !memcmp(&pred[i], &pred2[i], sizeof(PetscReal)), "%s (%s, timeline %d): the prediction %d with sensitivities (%.17g) is not the one without (%.17g)", name, what, kind, (int)i, pred[i], pred2[i]);
    mx = PetscMax(mx, fabs(pred[i]));
  }
  for (PetscInt j = 0; j < np; j++) {
    const PetscReal h = 1e-5 * phi0[j];
    phi[j] = phi0[j] + h;
    PetscCall(PKTPredict(m, &S.s, phi, yp, NULL));
    phi[j] = phi0[j] - h;
    PetscCall(PKTPredict(m, &S.s, phi, ym, NULL));
    phi[j] = phi0[j];
    for (PetscInt i = 0; i < S.nobs; i++) {
      /* compare phi_j d pred / d phi_j (concentration units): relative 1e-6, floor 1e-8 max|pred| */
      const PetscReal fd = phi0[j] * (yp[i] - ym[i]) / (2 * h), an = phi0[j] * sens[i * np + j];
      *worst = PetscMax(*worst, fabs(an - fd) / (fabs(fd) + mx));
      PetscCheck(fabs(an - fd) <= 1e-6 * fabs(fd) + 1e-8 * mx, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s (%s%s): d pred[%d] (t = %g) / d phi[%d]: analytic %.12g, finite difference %.12g", name, what, kind == 1 ? ", boluses only" : kind == 2 ? ", both compartments" : "", (int)i, S.tobs[i], (int)j, an / phi0[j], fd / phi0[j]);
    }
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

/* near ka == ke: C = D ka/V t e^{-ke t} S(x), x = (ka - ke) t, S(x) = phi1(-x) = sum_n (-x)^n/(n+1)!;
   exact derivatives from the series, to 1e-12 */
static PetscErrorCode CheckDegenerateExact(void)
{
  PnlmeModel      m;
  const PetscReal ke = 0.087, V = 32, D = 320, rel[] = {0, 1e-9, 1e-6, 1e-3, 0.02, -0.02};
  PetscReal       pred[64], sens[64 * 3];
  PetscFunctionBegin;
  PetscCall(PKTModel("pk1_oral_ke", &m));
  for (int r = 0; r < 6; r++) {
    const PetscReal ka = ke * (1 + rel[r]), phi[3] = {ka, ke, V};
    PKTInit(&S);
    PKTBolus(&S, 0, D, 1);
    for (int i = 0; i < 40; i++) PKTObs(&S, 0.03 + 2.1 * i);
    PetscCall(PKTPredict(m, PKTFinish(&S), phi, pred, sens));
    for (int i = 0; i < 40; i++) {
      const PetscReal t = S.tobs[i], x = (ka - ke) * t, g = D / V * t * exp(-ke * t);
      PetscReal       Sx = 0, dS = 0, p = 1; /* p = (-x)^n */
      for (int n = 0; n < 40; n++) {
        PetscReal f = 1;
        for (int k = 2; k <= n + 1; k++) f *= k;
        Sx += p / f;
        if (n >= 1) dS += -n * (n == 1 ? 1.0 : pow(-x, n - 1)) / f;
        p *= -x;
      }
      /* dC/dka = g S + g ka S' t; dC/dke = -t g ka S - g ka S' t; dC/dV = -C/V */
      PNLME_TEST_CLOSE(pred[i], g * ka * Sx, 1e-12, 0, "degenerate value");
      PNLME_TEST_CLOSE(sens[i * 3 + 0], g * Sx + g * ka * dS * t, 1e-11, 1e-13 * g * ka, "degenerate d/dka");
      PNLME_TEST_CLOSE(sens[i * 3 + 1], -t * g * ka * Sx - g * ka * dS * t, 1e-11, 1e-13 * g * ka * t, "degenerate d/dke");
      PNLME_TEST_CLOSE(sens[i * 3 + 2], -g * ka * Sx / V, 1e-12, 0, "degenerate d/dV");
    }
  }
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(void)
{
  PetscReal worst = 0;
  PetscFunctionBegin;
  for (int im = 0; im < PKT_NMODELS; im++) {
    PetscReal phi[8];
    PKTTypical(PKTModels[im], phi);
    PetscCall(CheckSens(PKTModels[im], phi, "typical", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens(PKTModels[im], phi, "typical", PETSC_FALSE, 1, &worst));
    PetscCall(CheckSens(PKTModels[im], phi, "typical", PETSC_FALSE, 2, &worst));
    for (int j = 0; j < 5; j++) phi[j] *= (j % 2 ? 2.5 : 0.3);
    PetscCall(CheckSens(PKTModels[im], phi, "scaled", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens(PKTModels[im], phi, "scaled", PETSC_FALSE, 1, &worst));
    PetscCall(CheckSens(PKTModels[im], phi, "scaled", PETSC_FALSE, 2, &worst));
    PetscCall(CheckSens(PKTModels[im], phi, "200 more doses", PETSC_TRUE, 0, &worst));
  }
  /* degenerate and nearly degenerate absorption */
  {
    PetscReal p1[3] = {0.087, 0.087, 32}, p2[3] = {0.087 * (1 + 1e-7), 0.087, 32}, p3[3] = {0.087 * (1 - 3e-4), 0.087, 32};
    PetscCall(CheckSens("pk1_oral_ke", p1, "ka = ke", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens("pk1_oral_ke", p1, "ka = ke", PETSC_FALSE, 1, &worst));
    PetscCall(CheckSens("pk1_oral_ke", p1, "ka = ke", PETSC_FALSE, 2, &worst));
    PetscCall(CheckSens("pk1_oral_ke", p2, "ka = ke (1 + 1e-7)", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens("pk1_oral_ke", p2, "ka = ke (1 + 1e-7)", PETSC_FALSE, 1, &worst));
    PetscCall(CheckSens("pk1_oral_ke", p3, "ka = ke (1 - 3e-4)", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens("pk1_oral_ke", p3, "ka = ke (1 - 3e-4)", PETSC_FALSE, 1, &worst));
  }
  {
    PetscReal k = 0.15, k12 = 0.2, k21 = 0.08, s = k + k12 + k21, disc = sqrt(s * s - 4 * k * k21);
    PetscReal alpha = 0.5 * (s + disc), beta = k * k21 / alpha;
    PetscReal pa[5] = {alpha, k, 20, k12, k21}, pb[5] = {beta, k, 20, k12, k21};
    PetscCall(CheckSens("pk2_oral_k", pa, "ka = alpha", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens("pk2_oral_k", pa, "ka = alpha", PETSC_FALSE, 1, &worst));
    PetscCall(CheckSens("pk2_oral_k", pb, "ka = beta", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens("pk2_oral_k", pb, "ka = beta", PETSC_FALSE, 1, &worst));
  }
  PetscCall(CheckDegenerateExact());
  /* nearly equal disposition rates (k12 k21 small, k close to k21) */
  {
    PetscReal p[4] = {0.08, 20, 1e-5, 0.0801};
    PetscCall(CheckSens("pk2_iv_k", p, "alpha close to beta", PETSC_FALSE, 0, &worst));
    PetscCall(CheckSens("pk2_iv_k", p, "alpha close to beta", PETSC_FALSE, 1, &worst));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "sensitivities vs central finite differences, all models: OK (largest difference %.2e of max|pred|)\n", (double)worst));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "closed-form PK sensitivities", Run); }
