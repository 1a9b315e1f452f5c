"""The oracle for properties files: what Java's own `java.util.Properties.load(InputStream)` reads.

A ten-line Java program, compiled with javac at test time (Java 17 is required by the project
anyway), loads each file given and prints every key and value as hex UTF-16 code units, so no
terminal or locale encoding stands between Java's strings and the test."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = """\
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Properties;
import java.util.TreeSet;

public class ReadProperties {
    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String path : args) {
            Properties p = new Properties();
            try (InputStream in = new FileInputStream(path)) { p.load(in); }
            out.append("file\\n");
            for (String k : new TreeSet<>(p.stringPropertyNames())) {
                out.append(hex(k)).append(' ').append(hex(p.getProperty(k))).append('\\n');
            }
        }
        System.out.print(out);
    }

    static String hex(String s) {
        StringBuilder b = new StringBuilder("x");
        for (char c : s.toCharArray()) b.append(String.format("%04x", (int) c));
        return b.toString();
    }
}
"""


class JavaProperties:
    def __init__(self, classes: Path) -> None:
        self.classes = classes

    def read(self, *paths: Path) -> list[dict[str, str]]:
        """The key -> value maps Java loads from each file."""
        out = subprocess.run(
            ["java", "-Xmx32m", "-Xshare:auto", "-cp", str(self.classes), "ReadProperties", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        files: list[dict[str, str]] = []
        for line in out.splitlines():
            if line == "file":
                files.append({})
            else:
                key, value = (bytes.fromhex(h[1:]).decode("utf-16-be", "surrogatepass") for h in line.split(" "))
                files[-1][key] = value
        return files


@pytest.fixture(scope="session")
def java_properties(tmp_path_factory: pytest.TempPathFactory) -> JavaProperties:
    if shutil.which("javac") is None or shutil.which("java") is None:
        message = "javac/java (JDK 17) missing"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    classes = tmp_path_factory.mktemp("java-properties")
    (classes / "ReadProperties.java").write_text(SOURCE)
    subprocess.run(["javac", "-d", str(classes), str(classes / "ReadProperties.java")], check=True, timeout=120)
    return JavaProperties(classes)
