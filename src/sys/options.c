/* Small parsers shared by option handling. */
#include <pnlmesys.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

PetscErrorCode PnlmeParseKeyValues(const char opt[], const char str[], PetscInt maxn, PetscInt *n, char keys[][64], PetscReal vals[])
{
  char  buf[4096], *tok, *save = NULL;
  PetscFunctionBegin;
  *n = 0;
  PetscCheck(strlen(str) < sizeof(buf), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: value too long", opt);
  PetscCall(PetscStrncpy(buf, str, sizeof(buf)));
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '='), *end;
    while (*tok == ' ') tok++;
    PetscCheck(eq, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s' is not of the form name=value", opt, tok);
    PetscCheck(*n < maxn, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: more than %d entries", opt, (int)maxn);
    *eq = 0;
    PetscCheck(strlen(tok) > 0 && strlen(tok) < 64, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: bad name '%s'", opt, tok);
    PetscCall(PetscStrncpy(keys[*n], tok, 64));
    vals[*n] = strtod(eq + 1, &end);
    PetscCheck(end != eq + 1 && *end == 0 && isfinite(vals[*n]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: value of '%s' is not a finite number: '%s'", opt, tok, eq + 1);
    (*n)++;
  }
  PetscFunctionReturn(0);
}
