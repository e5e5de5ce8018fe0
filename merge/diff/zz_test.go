package diff
import ("os";"testing";"context")
func BenchmarkZZPair(b *testing.B) {
	base, _ := os.ReadFile("/tmp/j2y/v126.yaml"); rev, _ := os.ReadFile("/tmp/j2y/v127.yaml")
	b.ReportAllocs()
	for b.Loop() { if _, err := Diff(context.Background(), base, rev, DiffOptions{}); err != nil { b.Fatal(err) } }
}
