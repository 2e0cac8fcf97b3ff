/* The common main of pnlme applications: one-line errors and a non-zero exit, option files checked
   before PETSc reads them, -help from pnlme's option tables, and misspelled options refused. */
#include <pnlmesys.h>
#include <string.h>
#include <errno.h>
#include <yaml.h>

static const char *Prog(const char argv0[])
{
  return strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
}

/* a YAML option file as PETSc reads it: a mapping whose values are scalars, mappings, or sequences of
   scalars or mappings (depth-bounded: an alias loop is an error) */
static int CheckYAMLNode(yaml_document_t *doc, yaml_node_t *node, int depth, char msg[], size_t len)
{
  if (depth > 32) {
    snprintf(msg, len, "%d:%d: nested too deeply (an alias that refers to itself?)", (int)node->start_mark.line + 1, (int)node->start_mark.column + 1);
    return 1;
  }
  if (node->type == YAML_MAPPING_NODE) {
    for (yaml_node_pair_t *pr = node->data.mapping.pairs.start; pr < node->data.mapping.pairs.top; pr++) {
      yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
      if (!k || k->type != YAML_SCALAR_NODE) {
        snprintf(msg, len, "%d:%d: a key must be a plain name", k ? (int)k->start_mark.line + 1 : 0, k ? (int)k->start_mark.column + 1 : 0);
        return 1;
      }
      if (v && CheckYAMLNode(doc, v, depth + 1, msg, len)) return 1;
    }
  } else if (node->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
      yaml_node_t *v = yaml_document_get_node(doc, *it);
      if (!v) continue;
      if (v->type == YAML_SEQUENCE_NODE) {
        snprintf(msg, len, "%d:%d: a list inside a list is not an option value", (int)v->start_mark.line + 1, (int)v->start_mark.column + 1);
        return 1;
      }
      if (CheckYAMLNode(doc, v, depth + 1, msg, len)) return 1;
    }
  }
  return 0;
}

/* 0, or 1 with msg = "PATH:LINE:COLUMN: problem" */
static int CheckYAMLFile(const char path[], char msg[], size_t len)
{
  FILE           *fp = fopen(path, "rb");
  yaml_parser_t   parser;
  yaml_document_t doc;
  int             bad = 0;
  char            where[256];
  if (!fp) {
    snprintf(msg, len, "-options_file_yaml %s: cannot open the file: %s", path, strerror(errno));
    return 1;
  }
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, fp);
  where[0] = 0;
  if (!yaml_parser_load(&parser, &doc)) {
    snprintf(msg, len, "%s:%d:%d: %s%s%s", path, (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1, parser.problem ? parser.problem : "not valid YAML",
             parser.context ? " " : "", parser.context ? parser.context : "");
    bad = 1;
  } else {
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type != YAML_MAPPING_NODE) {
      snprintf(msg, len, "%s:%d:%d: the top level must be a mapping of option names (key: value)", path, (int)root->start_mark.line + 1, (int)root->start_mark.column + 1);
      bad = 1;
    } else if (root && CheckYAMLNode(&doc, root, 0, where, sizeof(where))) {
      snprintf(msg, len, "%s:%s", path, where);
      bad = 1;
    }
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  fclose(fp);
  return bad;
}

/* the option files named on the command line, checked before PETSc reads them (PETSc's own message is
   a multi-line traceback from every rank) */
static int CheckOptionFiles(int argc, char **argv, char msg[], size_t len)
{
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-options_file_yaml") || !strcmp(argv[i], "-options_file")) {
      if (i + 1 >= argc) {
        snprintf(msg, len, "option %s needs a file name", argv[i]);
        return 1;
      }
      if (!strcmp(argv[i], "-options_file_yaml")) {
        if (CheckYAMLFile(argv[i + 1], msg, len)) return 1;
      } else {
        FILE *fp = fopen(argv[i + 1], "r");
        if (!fp) {
          snprintf(msg, len, "-options_file %s: cannot open the file: %s", argv[i + 1], strerror(errno));
          return 1;
        }
        fclose(fp);
      }
      i++;
    }
  }
  return 0;
}

static PetscBool UserError(PetscErrorCode ierr)
{
  return (PetscBool)(ierr == PETSC_ERR_USER || ierr == PETSC_ERR_ARG_WRONG || ierr == PETSC_ERR_FILE_OPEN || ierr == PETSC_ERR_FILE_READ || ierr == PETSC_ERR_ARG_OUTOFRANGE || ierr == PETSC_ERR_ARG_UNKNOWN_TYPE ||
                     ierr == PETSC_ERR_FILE_UNEXPECTED || ierr == PETSC_ERR_ARG_INCOMP || ierr == PETSC_ERR_FILE_WRITE || ierr == PETSC_ERR_ARG_NULL);
}

int PnlmeAppMainOptions(int argc, char **argv, const char help[], const char groups[], PetscErrorCode (*run)(void))
{
  PetscErrorCode ierr;
  const char    *prog = Prog(argv[0]);
  PetscMPIInt    rank;
  int            nargc = 0, initmpi = 0, bad;
  char         **nargv, msg[1024];
  PetscBool      ourhelp = PETSC_FALSE, allhelp = PETSC_FALSE;

  /* MPI first: the option files are checked before PETSc reads them, with one line from rank 0 */
  MPI_Initialized(&initmpi);
  if (!initmpi) MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  bad = CheckOptionFiles(argc, argv, msg, sizeof(msg));
  if (bad) {
    if (!rank) fprintf(stderr, "%s: error: %s\n", prog, msg);
    if (!initmpi) MPI_Finalize();
    return 1;
  }
  /* -help: pnlme's options from its tables, without running; -help_all: those, then PETSc's -help
     (every solver option, printed as the run sets them up) */
  nargv = (char **)calloc((size_t)argc + 1, sizeof(char *));
  for (int i = 0; i < argc; i++) {
    if (groups && (!strcmp(argv[i], "-help") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))) {
      ourhelp = PETSC_TRUE;
      continue;
    }
    if (groups && !strcmp(argv[i], "-help_all")) {
      allhelp = PETSC_TRUE;
      nargv[nargc++] = (char *)"-help";
      continue;
    }
    nargv[nargc++] = argv[i];
  }
  ierr = PetscInitialize(&nargc, &nargv, NULL, help);
  if (ierr) {
    free(nargv);
    return 1;
  }
  /* errors come back to us silently: we print one line, not a traceback */
  ierr = PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  if (!ierr) ierr = PnlmeInitialize();
  if (!ierr && (ourhelp || allhelp)) {
    ierr = PetscPrintf(PETSC_COMM_WORLD, "%s\npnlme options (default in <>, type and range in (); -help_all also lists PETSc's solver options):\n", help);
    if (!ierr) ierr = PnlmeOptionsView(PETSC_COMM_WORLD, groups);
  }
  if (!ierr && ourhelp && !allhelp) {
    PetscPopErrorHandler();
    ierr = PetscFinalize();
    free(nargv);
    if (!initmpi) MPI_Finalize();
    return ierr ? 1 : 0;
  }
  if (!ierr && groups) ierr = PnlmeOptionsCheckNames(PETSC_COMM_WORLD);
  if (!ierr) ierr = run();
  if (!ierr && groups && !allhelp) ierr = PnlmeOptionsCheckUnused(PETSC_COMM_WORLD, PETSC_TRUE);
  if (ierr) {
    const char *text = NULL;
    char       *specific = NULL;
    PetscErrorMessage(ierr, &text, &specific);
    if (UserError(ierr)) {
      /* user errors are raised collectively (every rank has the same message): rank 0 prints */
      if (!rank) fprintf(stderr, "%s: error: %s\n", prog, specific && specific[0] ? specific : (text ? text : "unknown error"));
      fflush(stderr);
      PetscPopErrorHandler();
      PetscFinalize();
      free(nargv);
      if (!initmpi) MPI_Finalize();
      return 1;
    }
    /* anything else may be local to this rank: report and take every rank down */
    fprintf(stderr, "%s: error on rank %d: %s%s%s\n", prog, (int)rank, specific && specific[0] ? specific : (text ? text : "unknown error"), specific && specific[0] && text ? " -- " : "", specific && specific[0] && text ? text : "");
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
  PetscPopErrorHandler();
  ierr = PetscFinalize();
  free(nargv);
  if (!initmpi) MPI_Finalize();
  return ierr ? 1 : 0;
}

int PnlmeAppMain(int argc, char **argv, const char help[], PetscErrorCode (*run)(void))
{
  return PnlmeAppMainOptions(argc, argv, help, NULL, run);
}
