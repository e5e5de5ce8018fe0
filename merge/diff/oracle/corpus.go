package oracle

import (
	"fmt"
	"os"
	"path/filepath"
)

// CorpusDir finds shared/corpus/stripe beside the working directory or
// one of its ancestors; "" when there is none (the corpus is not part of
// the repository).
func CorpusDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		candidate := filepath.Join(dir, "shared", "corpus", "stripe")
		if _, err := os.Stat(filepath.Join(candidate, "spec3-v120.json")); err == nil {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// StripeRelease is the path of one release of the corpus.
func StripeRelease(dir string, version int) string {
	return filepath.Join(dir, fmt.Sprintf("spec3-v%d.json", version))
}
