// Runs the tests registered with TEST(); an optional argument keeps only the tests whose
// name contains it. Ends with one line "N passed, M failed".
#include "check.h"

int main(int argc, char** argv) { return check::runAll(argc > 1 ? argv[1] : nullptr); }
