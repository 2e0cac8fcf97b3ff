# The saemix side of bench/theo.sh: the theophylline WT model of input/theophylline/saem_wt.yaml
# fitted by saemix 3.4 with its defaults (REFERENCES.md): one compartment, first-order absorption,
# log-normal ka, ke, V with diagonal Omega, log(WT / mean WT) on ka and V, additive error, the same
# start values.  Prints -2LL (IS) and the wall time of saemix() (SAEM, MAP, Fisher information,
# importance sampling), as "saemix: wall S s, -2LL (IS) X".
#   Rscript bench/theo_saemix.R input/theophylline/theo_sd.csv [seed]
suppressPackageStartupMessages(library(saemix))
args <- commandArgs(trailingOnly = TRUE)
file <- if (length(args) >= 1) args[1] else "input/theophylline/theo_sd.csv"
seed <- if (length(args) >= 2) as.integer(args[2]) else 632545
d <- read.csv(file, na.strings = ".")
dose <- d[d$EVID == 1, c("ID", "AMT", "WT")]
names(dose)[2] <- "DOSE"
conc <- merge(d[d$EVID == 0, c("ID", "TIME", "DV")], dose, by = "ID")
conc <- conc[order(conc$ID, conc$TIME), ]
conc$lWT <- log(conc$WT / mean(dose$WT))
sdata <- saemixData(name.data = conc, name.group = "ID", name.predictors = c("DOSE", "TIME"),
                    name.response = "DV", name.covariates = "lWT", verbose = FALSE)
pk <- function(psi, id, xidep) {
  dose <- xidep[, 1]; tim <- xidep[, 2]
  ka <- psi[id, 1]; ke <- psi[id, 2]; v <- psi[id, 3]
  dose * ka / (v * (ka - ke)) * (exp(-ke * tim) - exp(-ka * tim))
}
smodel <- saemixModel(model = pk, description = "theophylline, WT on ka and V",
                      psi0 = matrix(c(1.5, 0.1, 30), ncol = 3, dimnames = list(NULL, c("ka", "ke", "V"))),
                      transform.par = c(1, 1, 1), covariate.model = matrix(c(1, 0, 1), ncol = 3),
                      error.model = "constant", verbose = FALSE)
ctrl <- saemixControl(seed = seed, print = FALSE, save = FALSE, save.graphs = FALSE, displayProgress = FALSE, warnings = FALSE)
wall <- system.time(fit <- saemix(smodel, sdata, ctrl))[["elapsed"]]
cat(sprintf("saemix: wall %.2f s, -2LL (IS) %.2f\n", wall, -2 * fit@results@ll.is))
