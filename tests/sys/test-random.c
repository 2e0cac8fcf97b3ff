/* Random streams: reproducible, independent per stream, right moments (and the ziggurats' normal and
   exponential with their tails), truncated normal in range. */
#include <pnlmetest.h>

static PetscErrorCode Run(void)
{
  PnlmeRNG  r1, r2, r3;
  const int N = 200000;
  double    m = 0, v = 0, u = 0, tm = 0;
  PetscFunctionBegin;
  PnlmeRNGInit(&r1, 42, 7, 0);
  PnlmeRNGInit(&r2, 42, 7, 0);
  PnlmeRNGInit(&r3, 42, 8, 0);
  int same = 1, diff = 0;
  for (int i = 0; i < 1000; i++) {
    double a = PnlmeRNGUniform(&r1), b = PnlmeRNGUniform(&r2), c = PnlmeRNGUniform(&r3);
    same &= (a == b);
    diff += (a != c);
    PNLME_TEST_CHECK(a > 0 && a < 1, "uniform out of (0,1): %g", a);
  }
  PNLME_TEST_CHECK(same, "same key and counter must give the same draws");
  PNLME_TEST_CHECK(diff == 1000, "different streams must differ");
  PnlmeRNGInit(&r1, 1, 0, 0);
  for (int i = 0; i < N; i++) {
    double z = PnlmeRNGNormal(&r1);
    m += z;
    v += z * z;
    u += PnlmeRNGUniform(&r1);
    double t = PnlmeRNGTruncNormal(&r1, 39.7, 1.24, 36, 43.5);
    PNLME_TEST_CHECK(t >= 36 && t <= 43.5, "truncated normal out of range: %g", t);
    tm += t;
  }
  m /= N; v = v / N - m * m; u /= N; tm /= N;
  PNLME_TEST_CLOSE(m, 0.0, 0, 0.01, "normal mean");
  PNLME_TEST_CLOSE(v, 1.0, 0.02, 0, "normal variance");
  PNLME_TEST_CLOSE(u, 0.5, 0, 0.005, "uniform mean");
  PNLME_TEST_CLOSE(tm, 39.7, 0, 0.02, "truncated normal mean");
  for (int s = 0; s < 2; s++) { /* gamma: mean = variance = shape */
    double shape = s ? 7.5 : 0.5, gm = 0, gv = 0;
    for (int i = 0; i < N; i++) {
      double g = PnlmeRNGGamma(&r1, shape);
      PNLME_TEST_CHECK(g > 0, "gamma draw not positive: %g", g);
      gm += g;
      gv += g * g;
    }
    gm /= N;
    gv = gv / N - gm * gm;
    PNLME_TEST_CLOSE(gm, shape, 0.02, 0, "gamma mean");
    PNLME_TEST_CLOSE(gv, shape, 0.05, 0, "gamma variance");
  }
  { /* the ziggurats: moments, and the tails beyond their base layers (r = 3.654 for |z|, 7.697 for E),
       which take their own branches: counts within 4 SDs of N P */
    const int NT = 2000000;
    double    em = 0, ev = 0, zm = 0, zv = 0;
    long      nz = 0, ne = 0;
    for (int i = 0; i < NT; i++) {
      double x = PnlmeRNGExponential(&r1), z = PnlmeRNGZigguratNormal(&r1);
      PNLME_TEST_CHECK(x >= 0, "exponential draw negative: %g", x);
      em += x;
      ev += x * x;
      ne += x > 7.69711747013105;
      nz += fabs(z) > 3.65415288536101;
      zm += z;
      zv += z * z;
    }
    em /= NT;
    ev = ev / NT - em * em;
    zm /= NT;
    zv = zv / NT - zm * zm;
    PNLME_TEST_CLOSE(zm, 0.0, 0, 0.003, "ziggurat normal mean");
    PNLME_TEST_CLOSE(zv, 1.0, 0.01, 0, "ziggurat normal variance");
    PNLME_TEST_CLOSE(em, 1.0, 0, 0.003, "exponential mean");
    PNLME_TEST_CLOSE(ev, 1.0, 0.01, 0, "exponential variance");
    {
      double pe = NT * exp(-7.69711747013105), pz = NT * erfc(3.65415288536101 / M_SQRT2);
      PNLME_TEST_CHECK(fabs(ne - pe) < 4 * sqrt(pe), "exponential tail beyond 7.697: %ld draws, expected %.1f", ne, pe);
      PNLME_TEST_CHECK(fabs(nz - pz) < 4 * sqrt(pz), "normal tail beyond 3.654: %ld draws, expected %.1f", nz, pz);
    }
  }
  PNLME_TEST_CLOSE(PnlmeNormalQuantile(0.975), 1.959963984540054, 1e-14, 0, "quantile 0.975");
  PNLME_TEST_CLOSE(PnlmeNormalQuantile(1e-10), -6.361340902404056, 1e-13, 0, "quantile 1e-10");
  /* integers: all values hit, none outside */
  int hit[6] = {0};
  for (int i = 0; i < 6000; i++) {
    int64_t k = PnlmeRNGInteger(&r1, 3, 8);
    PNLME_TEST_CHECK(k >= 3 && k <= 8, "integer out of range");
    hit[k - 3]++;
  }
  for (int k = 0; k < 6; k++) PNLME_TEST_CHECK(hit[k] > 850 && hit[k] < 1150, "integer %d drawn %d times of 6000", k + 3, hit[k]);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "random streams OK: mean %.4f var %.4f\n", m, v));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "random stream test", Run); }
