# The saemix side of bench/warfarin.sh: the warfarin PK model of input/warfarin/pk.yaml (or of
# pk_nolag.yaml) fitted by saemix with its defaults, as REFERENCES.md did: one compartment,
# first-order absorption after a lag Tlag, log-normal Tlag, ka, CL, V with random effects on all four,
# log(WT/70) on CL and V, error sqrt(a^2 + b^2 f^2) (saemix's "combined"), the same start values.
#   Rscript bench/warfarin_saemix.R input/warfarin/warfarin.csv [lag|nolag]
# Prints the estimates, -2LL by importance sampling and the wall time of saemix() (SAEM, MAP, Fisher
# information, importance sampling), as "saemix: wall S s, -2LL (IS) X".
suppressPackageStartupMessages(library(saemix))
args <- commandArgs(trailingOnly = TRUE)
file <- if (length(args) >= 1) args[1] else "input/warfarin/warfarin.csv"
lag <- !(length(args) >= 2 && args[2] == "nolag")

d <- read.csv(file, na.strings = ".")
dose <- d[d$EVID == 1, c("ID", "AMT")]
names(dose)[2] <- "DOSE"
conc <- merge(d[d$EVID == 0 & d$CMT == 2, c("ID", "TIME", "DV", "WT")], dose, by = "ID")
conc <- conc[order(conc$ID, conc$TIME), ]
conc$lWT70 <- log(conc$WT / 70)
sdata <- saemixData(name.data = conc, name.group = "ID", name.predictors = c("DOSE", "TIME"),
                    name.response = "DV", name.covariates = "lWT70", verbose = FALSE)

pk.lag <- function(psi, id, xidep) {
  dose <- xidep[, 1]; tim <- xidep[, 2]
  tlag <- psi[id, 1]; ka <- psi[id, 2]; cl <- psi[id, 3]; v <- psi[id, 4]
  k <- cl / v; u <- pmax(tim - tlag, 0)
  dose * ka / (v * (ka - k)) * (exp(-k * u) - exp(-ka * u))
}
pk.nolag <- function(psi, id, xidep) {
  dose <- xidep[, 1]; tim <- xidep[, 2]
  ka <- psi[id, 1]; cl <- psi[id, 2]; v <- psi[id, 3]
  k <- cl / v
  dose * ka / (v * (ka - k)) * (exp(-k * tim) - exp(-ka * tim))
}
if (lag) {
  smodel <- saemixModel(model = pk.lag, description = "warfarin PK with lag",
                        psi0 = matrix(c(0.5, 1, 0.1, 10), ncol = 4, dimnames = list(NULL, c("Tlag", "ka", "CL", "V"))),
                        transform.par = c(1, 1, 1, 1), covariate.model = matrix(c(0, 0, 1, 1), ncol = 4),
                        error.model = "combined", error.init = c(0.5, 0.1), verbose = FALSE)
} else {
  smodel <- saemixModel(model = pk.nolag, description = "warfarin PK without lag",
                        psi0 = matrix(c(1, 0.1, 10), ncol = 3, dimnames = list(NULL, c("ka", "CL", "V"))),
                        transform.par = c(1, 1, 1), covariate.model = matrix(c(0, 1, 1), ncol = 3),
                        error.model = "combined", error.init = c(0.5, 0.1), verbose = FALSE)
}
ctrl <- saemixControl(print = FALSE, save = FALSE, save.graphs = FALSE, displayProgress = FALSE, warnings = FALSE)
wall <- system.time(fit <- saemix(smodel, sdata, ctrl))[["elapsed"]]
ci <- fit@results@conf.int
for (i in seq_len(nrow(ci))) cat(sprintf("  %-22s %12.6g\n", ci$name[i], ci$estimate[i]))
cat(sprintf("saemix: wall %.2f s, -2LL (IS) %.2f\n", wall, -2 * fit@results@ll.is))
