/** Apache Flink jobs over the task models: keyed streaming inference and batch scoring. */
package dev.rnn.flink;
