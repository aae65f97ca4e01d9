// Copyright: (c) 2026, cri.runtimes developers
// GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

// A judge of Kata configuration files: decodes FILE with github.com/BurntSushi/toml, the
// library Kata's Go runtime decodes its configuration-*.toml with (src/runtime/go.mod,
// src/runtime/pkg/katautils/config.go), twice: into a generic map (every key as the library
// reads it) and into fields typed as Kata's loader types them (image and initrd strings,
// default_memory uint32, the runtime's enable_debug bool), so a value of the wrong TOML type
// fails here as it would fail Kata's decode. Prints {"data": ..., "typed": ...} as JSON.
//
// Built by tests/judges/test_kata_config_judge.py against Debian's
// golang-github-burntsushi-toml-dev (GOPATH mode, no module download).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/BurntSushi/toml"
)

type hypervisor struct {
	Path          string `toml:"path"`
	Kernel        string `toml:"kernel"`
	Image         string `toml:"image"`
	Initrd        string `toml:"initrd"`
	DefaultMemory uint32 `toml:"default_memory"`
}

type runtime struct {
	Debug bool `toml:"enable_debug"`
}

type config struct {
	Hypervisor map[string]hypervisor `toml:"hypervisor"`
	Runtime    runtime               `toml:"runtime"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kata-toml-judge FILE")
		os.Exit(2)
	}
	var data map[string]interface{}
	if _, err := toml.DecodeFile(os.Args[1], &data); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var typed config
	if _, err := toml.DecodeFile(os.Args[1], &typed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(map[string]interface{}{"data": data, "typed": typed})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
