module tracecall

go 1.26.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/coreos/go-systemd/v22 v22.7.0
	github.com/go-audio/audio v1.0.0
	github.com/go-audio/wav v1.1.0
	github.com/golang/snappy v1.0.0
	github.com/zaf/g711 v1.4.0
	go.etcd.io/bbolt v1.5.0
)

require (
	github.com/go-audio/riff v1.0.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
)
