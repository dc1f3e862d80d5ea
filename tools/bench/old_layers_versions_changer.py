"""Baseline for tools/bench/sync-versions-bench.ts.

This file reimplements the described behaviour of the old
`layers_versions_changer.py`; the original script is not in this
repository. It asked Lambda (ListLayerVersions) for the newest version of
the layer and replaced the text SOSW_LAYER_PLACEHOLDER in every `.yaml`
file that mentions a function resource type, in place. It walked the
subfolders but opened each file name relative to the current folder, so
only the files of the current folder were found. It ignored `.yml` and
`.json` files.

For the benchmark the version is passed with `--version N` instead of
calling Lambda. `--all-files` fixes the two gaps (every folder, and `.yml`
and `.json` too) to time the same text replacement on the files that
sync-versions reaches. Usage, from the folder to process:

    python3 old_layers_versions_changer.py --version N [--all-files]

Prints the number of files changed and of placeholders replaced.
"""

import argparse
import os

PLACEHOLDER = "SOSW_LAYER_PLACEHOLDER"
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", type=int, required=True)
    parser.add_argument("--all-files", action="store_true")
    args = parser.parse_args()
    extensions = (".yaml", ".yml", ".json") if args.all_files else (".yaml",)

    files_changed = 0
    replaced = 0
    for folder, _subfolders, files in os.walk("."):
        for file_name in files:
            if not file_name.endswith(extensions):
                continue
            # The old script opened `file_name`, not the joined path, so a
            # file of a subfolder is found only when the current folder has
            # a file of the same name.
            name = os.path.join(folder, file_name) if args.all_files else file_name
            if not os.path.isfile(name):
                continue
            with open(name, encoding="utf-8") as file:
                text = file.read()
            if not any(function_type in text for function_type in FUNCTION_TYPES):
                continue
            count = text.count(PLACEHOLDER)
            if count == 0:
                continue
            with open(name, "w", encoding="utf-8") as file:
                file.write(text.replace(PLACEHOLDER, str(args.version)))
            files_changed += 1
            replaced += count

    print(f"files_changed={files_changed} references={replaced}")


if __name__ == "__main__":
    main()
