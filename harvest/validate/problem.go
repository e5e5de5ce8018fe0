package validate

import (
	"fmt"
	"sort"
)

// Level grades a problem.
type Level string

const (
	// LevelError means the contract itself is broken: a client cannot
	// rely on what the document says.
	LevelError Level = "error"
	// LevelWarning means the document is usable as it stands or after a
	// contract-neutral repair.
	LevelWarning Level = "warning"
)

// maxProblems caps the list kept for one document; the rest are counted
// in one final too-many-problems entry.
const maxProblems = 1000

// Problem is one finding, located by a JSON pointer (RFC 6901) into the
// document as read ("" is the whole document). For a Swagger 2.0 document,
// problems found before conversion point into the 2.0 document and those
// found after it into the converted 3.0 document.
type Problem struct {
	Level   Level  `json:"level"`
	Rule    string `json:"rule"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// String renders the problem on one line: level, rule, pointer, message.
func (p Problem) String() string {
	pointer := p.Pointer
	if pointer == "" {
		pointer = "/"
	}
	return fmt.Sprintf("%s %s %s: %s", p.Level, p.Rule, pointer, p.Message)
}

// problems collects findings for one document. It fills the level from
// the rule table, so a call site cannot grade a rule differently from
// what the table documents.
type problems struct {
	levels map[string]Level
	list   []Problem
	seen   map[Problem]bool
}

func newProblems() *problems {
	levels := map[string]Level{}
	for _, r := range Rules() {
		levels[r.ID] = r.Level
	}
	return &problems{levels: levels, seen: map[Problem]bool{}}
}

func (ps *problems) add(p Problem) {
	level, known := ps.levels[p.Rule]
	if !known {
		level = LevelError
	}
	p.Level = level
	if ps.seen[p] {
		return
	}
	ps.seen[p] = true
	ps.list = append(ps.list, p)
}

func (ps *problems) addf(rule, pointer, format string, args ...any) {
	ps.add(Problem{Rule: rule, Pointer: pointer, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) hasErrors() bool {
	for _, p := range ps.list {
		if p.Level == LevelError {
			return true
		}
	}
	return false
}

// sorted returns the problems errors first, then by pointer, rule and
// message, capped at maxProblems: the order a reader wants and one that
// does not depend on map iteration.
func (ps *problems) sorted() []Problem {
	list := append([]Problem(nil), ps.list...)
	sortProblems(list)
	if len(list) <= maxProblems {
		return list
	}
	rest := list[maxProblems-1:]
	dropped := Problem{Level: LevelWarning, Rule: RuleTooManyProblems, Message: fmt.Sprintf("and %d more problems not listed", len(rest))}
	errors := 0
	for _, p := range rest {
		if p.Level == LevelError {
			errors++
		}
	}
	if errors > 0 {
		dropped.Level = LevelError
		dropped.Message = fmt.Sprintf("and %d more problems not listed (%d of them errors)", len(rest), errors)
	}
	return append(list[:maxProblems-1:maxProblems-1], dropped)
}

func sortProblems(list []Problem) {
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Level != b.Level {
			return a.Level == LevelError
		}
		if a.Pointer != b.Pointer {
			return a.Pointer < b.Pointer
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}
