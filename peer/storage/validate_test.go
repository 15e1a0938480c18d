package storage

import (
	"strings"
	"testing"

	"github.com/anacrolix/torrent/metainfo"
)

// validInfo is a two-file torrent of 3 pieces of 16 KiB (40 KiB total).
func validInfo() *metainfo.Info {
	return &metainfo.Info{
		Name:        "t",
		PieceLength: 16 << 10,
		Pieces:      make([]byte, 60),
		Files: []metainfo.FileInfo{
			{Length: 30 << 10, Path: []string{"a", "b"}},
			{Length: 10 << 10, Path: []string{"c"}},
		},
	}
}

func TestValidateInfo(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*metainfo.Info)
		want   string // substring of the error; "" = valid
	}{
		{"valid", func(*metainfo.Info) {}, ""},
		{"single file", func(i *metainfo.Info) { i.Files = nil; i.Length = 40 << 10 }, ""},
		{"hybrid v2 with v1 pieces", func(i *metainfo.Info) { i.MetaVersion = 2 }, ""},
		{"zero-length file", func(i *metainfo.Info) {
			i.Files = append(i.Files, metainfo.FileInfo{Path: []string{"empty"}})
		}, ""},
		{"pad files sharing a path", func(i *metainfo.Info) {
			i.Files = []metainfo.FileInfo{
				{Length: 10 << 10, Path: []string{"a"}},
				{Length: 6 << 10, Path: []string{".pad", "6144"}, ExtendedFileAttrs: metainfo.ExtendedFileAttrs{Attr: "p"}},
				{Length: 10 << 10, Path: []string{"b"}},
				{Length: 6 << 10, Path: []string{".pad", "6144"}, ExtendedFileAttrs: metainfo.ExtendedFileAttrs{Attr: "p"}},
				{Length: 8 << 10, Path: []string{"c"}},
			}
		}, ""},
		{"v2 only", func(i *metainfo.Info) { i.MetaVersion = 2; i.Pieces = nil }, "v2-only torrent"},
		{"meta version 3", func(i *metainfo.Info) { i.MetaVersion = 3 }, "meta version 3"},
		{"piece length 0", func(i *metainfo.Info) { i.PieceLength = 0 }, "info.piece length 0: must be positive"},
		{"piece length negative", func(i *metainfo.Info) { i.PieceLength = -5 }, "info.piece length -5"},
		{"piece length 2^40", func(i *metainfo.Info) { i.PieceLength = 1 << 40 }, "info.piece length 1099511627776: larger than"},
		{"pieces not multiple of 20", func(i *metainfo.Info) { i.Pieces = make([]byte, 61) }, "info.pieces length 61 is not a multiple of 20"},
		{"too few hashes", func(i *metainfo.Info) { i.Pieces = make([]byte, 40) }, "info.pieces holds 2 hashes, want 3"},
		{"too many hashes", func(i *metainfo.Info) { i.Pieces = make([]byte, 80) }, "info.pieces holds 4 hashes, want 3"},
		{"empty name", func(i *metainfo.Info) { i.Name = "" }, `info.name "": empty component`},
		{"name dotdot", func(i *metainfo.Info) { i.Name = ".." }, `info.name "..": ".." component refused`},
		{"name with slash", func(i *metainfo.Info) { i.Name = "a/b" }, `info.name "a/b"`},
		{"name absolute", func(i *metainfo.Info) { i.Name = "/etc" }, `info.name "/etc"`},
		{"path traversal", func(i *metainfo.Info) { i.Files[1].Path = []string{"..", "etc", "passwd"} },
			`file 1 path "../etc/passwd": ".." component refused`},
		{"path dot", func(i *metainfo.Info) { i.Files[1].Path = []string{".", "x"} }, `file 1 path "./x": "." component refused`},
		{"absolute path", func(i *metainfo.Info) { i.Files[0].Path = []string{"/etc", "passwd"} }, `file 0 path "/etc/passwd": absolute path refused`},
		{"absolute backslash", func(i *metainfo.Info) { i.Files[0].Path = []string{`\windows`} }, `file 0 path "\\windows": absolute path refused`},
		{"empty component", func(i *metainfo.Info) { i.Files[0].Path = []string{"a", "", "b"} }, `file 0 path "a//b": empty component refused`},
		{"leading empty component", func(i *metainfo.Info) { i.Files[0].Path = []string{"", "etc"} }, `file 0 path "/etc": empty component refused`},
		{"empty path", func(i *metainfo.Info) { i.Files[1].Path = nil }, `file 1 path "": empty path`},
		{"NUL", func(i *metainfo.Info) { i.Files[1].Path = []string{"a\x00b"} }, "NUL byte refused"},
		{"backslash", func(i *metainfo.Info) { i.Files[1].Path = []string{`a\..\..\b`} }, "path separator refused"},
		{"slash in component", func(i *metainfo.Info) { i.Files[1].Path = []string{"x/../../y"} }, "path separator refused"},
		{"pad file traversal", func(i *metainfo.Info) {
			i.Files[1].Attr = "p"
			i.Files[1].Path = []string{".."}
		}, `file 1 path "..": ".." component refused`},
		{"negative length", func(i *metainfo.Info) { i.Files[1].Length = -1 }, "file 1 length -1: negative"},
		{"zero total", func(i *metainfo.Info) { i.Files[0].Length = 0; i.Files[1].Length = 0 }, "total length is 0"},
		{"single zero length", func(i *metainfo.Info) { i.Files = nil }, "info.length 0: total length must be positive"},
		{"total over 2^50", func(i *metainfo.Info) { i.Files[0].Length = 1 << 50 }, "file 1 length 10240: total length exceeds"},
		{"huge file", func(i *metainfo.Info) { i.Files[0].Length = 1<<63 - 1 }, "file 0 length 9223372036854775807: total length exceeds"},
		{"single over 2^50", func(i *metainfo.Info) { i.Files = nil; i.Length = 1<<50 + 1 }, "info.length 1125899906842625: larger than"},
		{"length and files", func(i *metainfo.Info) { i.Length = 5 }, "both length (5) and files (2 entries)"},
		{"duplicate path", func(i *metainfo.Info) { i.Files[1].Path = []string{"a", "b"} }, `file 1 path "a/b": same path as file 0`},
		{"file under a file", func(i *metainfo.Info) { i.Files[1].Path = []string{"a", "b", "c"} }, `file 1 path "a/b/c": "a/b" is also a file (file 0)`},
		{"file over a directory", func(i *metainfo.Info) { i.Files[1].Path = []string{"a"} }, `file 1 path "a": also a directory`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := validInfo()
			tt.modify(info)
			err := ValidateInfo(info)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateInfo = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ValidateInfo = %v, want error containing %q", err, tt.want)
			}
			if _, err := Open(info, Options{Dir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open = %v, want error containing %q", err, tt.want)
			}
		})
	}
	if err := ValidateInfo(nil); err == nil {
		t.Fatal("ValidateInfo(nil) = nil")
	}
}

// TestValidateInfoHugePieceLengthNoAllocation checks that a 2^40 piece
// length is refused before anything of that size is allocated.
func TestValidateInfoHugePieceLengthNoAllocation(t *testing.T) {
	info := validInfo()
	info.PieceLength = 1 << 40
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := Open(info, Options{Dir: "x"}); err == nil {
			t.Fatal("Open accepted a 2^40 piece length")
		}
	})
	if allocs > 10 {
		t.Fatalf("refusing took %v allocations, want a handful", allocs)
	}
}
