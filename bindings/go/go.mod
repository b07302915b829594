module github.com/torchrs/torchrs/bindings/go

go 1.22
