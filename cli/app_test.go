package cli

import "testing"

// TestVersionStamped: the version make build stamps from git describe is
// what --version prints, without the tag's "v".
func TestVersionStamped(t *testing.T) {
	saved := buildVersion
	t.Cleanup(func() { buildVersion = saved })
	for stamp, want := range map[string]string{
		"v1.2.0":            "1.2.0",
		"v1.2.0-3-gdf10fb0": "1.2.0-3-gdf10fb0",
		"df10fb0-dirty":     "df10fb0-dirty",
	} {
		buildVersion = stamp
		if got := version(); got != want {
			t.Errorf("stamped %q: version() = %q, want %q", stamp, got, want)
		}
	}
	buildVersion = ""
	if got := version(); got == "" {
		t.Error("unstamped: empty version; want the module's, the revision, or devel")
	}
}
