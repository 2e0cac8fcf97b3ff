/* pnlme: the population model's residual error models.  An error model is a registered type: a
   name and a table of operations on one output's observations (log-likelihood, its gradient with
   respect to the predictions, Fisher weights, residual SD and its parameter derivatives, the
   closed-form statistic, simulation).  Every output of a model has its own error model and
   parameters (a, b): -fit_error C=combined2,R=constant.  A new error model is one file with its
   table and one PnlmeErrorModelRegister line (src/pop/error/, registered in src/pop/errormodel.c). */
#pragma once
#include <petscsys.h>

#define PNLME_ERROR_CONSTANT     "constant"     /* y = f + a e */
#define PNLME_ERROR_PROPORTIONAL "proportional" /* y = f + b |f| e */
#define PNLME_ERROR_COMBINED1    "combined1"    /* y = f + (a + b |f|) e */
#define PNLME_ERROR_COMBINED2    "combined2"    /* y = f + sqrt(a^2 + b^2 f^2) e */
#define PNLME_ERROR_EXPONENTIAL  "exponential"  /* log y = log f + a e */

/* The operations of an error model on the observations j of one subject whose output is k
   (out[j] == k) and that are not censored (cens == NULL or cens[j] == 0); a and b are output k's
   parameters.  The array functions skip the other observations (their dldf[j], w[j] untouched). */
typedef struct {
  const char *name;
  PetscBool   usea, useb;  /* which of a, b the model has */
  PetscBool   logscale;    /* observations and predictions compared on the log scale (y, f > 0) */
  PetscBool   closedform;  /* the M-step of a: a^2 = (residual sum of squares) / (observations) */
  /* sum of log N(y_j; f_j, g_j^2) without the -1/2 log(2 pi) constants; -inf when impossible */
  PetscReal (*loglik)(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[]);
  /* the same, and dldf[j] = d log p / d f_j */
  PetscReal (*loglikgrad)(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal dldf[]);
  /* w[j] = E[-d^2 log p / d f_j^2] (Gauss-Newton weights) */
  void (*fisher)(PetscReal a, PetscReal b, PetscInt n, const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[], PetscReal w[]);
  /* the residual sum of squares (closed-form models) */
  PetscReal (*rss)(PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[]);
  /* one observation: the residual SD g(f) (log scale for logscale models; f itself for them), dg/df,
     d g^2 / d a and d g^2 / d b (NULL for a parameter the model does not have), and g with dg/da,
     dg/db (the M-step of the models without closed form) */
  PetscReal (*sd)(PetscReal a, PetscReal b, PetscReal f);
  PetscReal (*dsd)(PetscReal a, PetscReal b, PetscReal f); /* dg/df (censored observations) */
  PetscReal (*dvara)(PetscReal a, PetscReal b, PetscReal f);
  PetscReal (*dvarb)(PetscReal a, PetscReal b, PetscReal f);
  void (*gderiv)(PetscReal a, PetscReal b, PetscReal f, PetscReal *g, PetscReal *dgda, PetscReal *dgdb);
  /* optional: the second derivatives of g in a and b (the Newton M-step of the models without closed
     form; without it, Fisher scoring) */
  void (*gderiv2)(PetscReal a, PetscReal b, PetscReal f, PetscReal *gaa, PetscReal *gab, PetscReal *gbb);
  /* y from f and a standard normal draw e */
  PetscReal (*simulate)(PetscReal a, PetscReal b, PetscReal f, PetscReal e);
  /* optional (the early rejection of MCMC proposals, docs/saem.md): an upper bound U(y) of one
     observation's term of loglik over every prediction f (IEEE +inf for none), and the sum over the
     observations of the deficits U(y_j) - (the term at f_j) >= 0 (IEEE +inf where a term is -inf or NaN).
     Without them the observations of this model never stop a solve early. */
  PetscReal (*logliksup)(PetscReal a, PetscReal b, PetscReal y);
  PetscReal (*deficit)(PetscReal a, PetscReal b, PetscInt n, const PetscReal y[], const PetscReal f[], const PetscInt out[], PetscInt k, const PetscInt cens[]);
} PnlmeErrorOps;

PETSC_EXTERN PetscErrorCode PnlmeErrorModelRegister(const char name[], const PnlmeErrorOps *);
/* the registered model of that name, or NULL */
PETSC_EXTERN PetscErrorCode PnlmeErrorModelFind(const char name[], const PnlmeErrorOps **);
/* the registered names, comma-separated (for messages and -help) */
PETSC_EXTERN PetscErrorCode PnlmeErrorModelList(char list[], size_t len);
