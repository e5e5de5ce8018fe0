package xanotest

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadFleet reads a fleet from DIR/<instance>/<workspace>/<group>.json
// (or .yaml, .yml): directory and file names become the instance,
// workspace and group names, and each file is served byte for byte as the
// group's document. Other files are ignored. Such a fleet has one
// generation and says nothing about which documents are valid.
func LoadFleet(ctx context.Context, dir string) (*Fleet, error) {
	f := &Fleet{Generation: 1, files: map[int]fleetFile{}}
	instances, err := subdirs(dir)
	if err != nil {
		return nil, fmt.Errorf("load fleet: %w", err)
	}
	used := map[string]bool{}
	wsID, groupID := 0, 0
	for i, instName := range instances {
		inst := Instance{ID: i + 1, Name: instName, Display: instName}
		workspaces, err := subdirs(filepath.Join(dir, instName))
		if err != nil {
			return nil, fmt.Errorf("load fleet: %w", err)
		}
		for _, wsName := range workspaces {
			wsID++
			ws := Workspace{ID: wsID, Name: wsName}
			entries, err := os.ReadDir(filepath.Join(dir, instName, wsName))
			if err != nil {
				return nil, fmt.Errorf("load fleet: %w", err)
			}
			for _, e := range entries {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				ext := strings.ToLower(filepath.Ext(e.Name()))
				if e.IsDir() || (ext != ".json" && ext != ".yaml" && ext != ".yml") {
					continue
				}
				path := filepath.Join(dir, instName, wsName, e.Name())
				body, err := os.ReadFile(path)
				if err != nil {
					return nil, fmt.Errorf("load fleet: %w", err)
				}
				groupID++
				contentType := "application/json; charset=utf-8"
				if ext != ".json" {
					contentType = "application/yaml"
				}
				f.files[groupID] = fleetFile{body: body, contentType: contentType}
				ws.Groups = append(ws.Groups, Group{
					ID:        groupID,
					Name:      strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())),
					Canonical: canonicalOf(instName+"/"+wsName+"/"+e.Name(), used),
					Host:      instName,
				})
			}
			inst.Workspaces = append(inst.Workspaces, ws)
		}
		f.Instances = append(f.Instances, inst)
	}
	if groupID == 0 {
		return nil, fmt.Errorf("load fleet: no documents under %s (want <instance>/<workspace>/<group>.json)", dir)
	}
	return f, nil
}

func subdirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// canonicalOf derives a group's canonical from its path, so a directory
// served twice gets the same URLs.
func canonicalOf(path string, used map[string]bool) string {
	h := fnv.New64a()
	h.Write([]byte(path))
	return newCanonical(int64(h.Sum64()), 0, used)
}
