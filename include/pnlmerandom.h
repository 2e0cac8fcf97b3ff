/* pnlme: counter-based random streams (Random123 Philox4x64).  A stream belongs to a subject (and a
   chain), never to a rank: key = (seed, stream id), counter = (substream, draw index).  The state is a
   plain struct, so it can be checkpointed and costs no allocation. */
#pragma once
#include <petscsys.h>
#include <stdint.h>

typedef struct {
  uint64_t key[2];
  uint64_t ctr[4]; /* ctr[0]: block index, ctr[1]: substream */
  uint64_t buf[4];
  int32_t  nbuf;   /* unused 64-bit words left in buf */
  int32_t  hasnormal;
  double   normal; /* cached second Box-Muller variate */
} PnlmeRNG;

/* seed: user seed; stream: e.g. global subject index; substream: e.g. purpose*K + chain */
PETSC_EXTERN void   PnlmeRNGInit(PnlmeRNG *, uint64_t seed, uint64_t stream, uint64_t substream);
PETSC_EXTERN double PnlmeRNGUniform(PnlmeRNG *);            /* in (0,1), 53 random bits */
PETSC_EXTERN double PnlmeRNGNormal(PnlmeRNG *);             /* standard normal (Box-Muller) */
/* standard normal and Exp(1) by ziggurats (cheaper; other values than PnlmeRNGNormal's): the SAEM
   kernels' draws.  -E is the log of a uniform. */
PETSC_EXTERN double PnlmeRNGZigguratNormal(PnlmeRNG *);
PETSC_EXTERN double PnlmeRNGExponential(PnlmeRNG *);
PETSC_EXTERN double PnlmeRNGUniformRange(PnlmeRNG *, double a, double b);
PETSC_EXTERN int64_t PnlmeRNGInteger(PnlmeRNG *, int64_t lo, int64_t hi); /* uniform on {lo..hi} */
/* normal(mean, sd) truncated to [lo, hi] by inversion (exact, any truncation) */
PETSC_EXTERN double PnlmeRNGTruncNormal(PnlmeRNG *, double mean, double sd, double lo, double hi);
/* Gamma(shape, scale 1), shape > 0 (chi-square with k degrees of freedom: 2 Gamma(k/2)) */
PETSC_EXTERN double PnlmeRNGGamma(PnlmeRNG *, double shape);
/* standard normal quantile (Wichura AS241, ~1e-16 relative) */
PETSC_EXTERN double PnlmeNormalQuantile(double p);
