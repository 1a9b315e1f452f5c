// A standard Java RocketMQ producer / push consumer for rocketui's tests, compiled at test time
// against the assembled distribution's client jar (tests/support/java_clients.py).
//
//   produce NAMESRV TOPIC RATE RETRIES OUT STOPFILE  steady-rate sync sends with a DefaultMQProducer
//                                                    (retries = retryTimesWhenSendFailed; "default"
//                                                    keeps the client's own); writes "OK <msgId>"
//                                                    or "FAIL <n> <error>" per send to OUT until
//                                                    STOPFILE exists, then "DONE".
//   consume NAMESRV TOPIC GROUP OUT STOPFILE         DefaultMQPushConsumer (clustering); writes
//                                                    "MSG <msgId>" per message until STOPFILE.
import java.io.File;
import java.io.FileWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;

public class StdClients {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("produce")) {
            produce(args[1], args[2], Double.parseDouble(args[3]), args[4], args[5], args[6]);
        } else if (args.length > 0 && args[0].equals("consume")) {
            consume(args[1], args[2], args[3], args[4], args[5]);
        } else {
            System.err.println("usage: produce NAMESRV TOPIC RATE RETRIES OUT STOPFILE | consume NAMESRV TOPIC GROUP OUT STOPFILE");
            System.exit(2);
        }
    }

    static void produce(String namesrv, String topic, double rate, String retries, String out, String stop)
        throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer("rocketui_std_producer");
        producer.setNamesrvAddr(namesrv);
        producer.setInstanceName("std-" + ProcessHandle.current().pid());
        if (!retries.equals("default")) {
            producer.setRetryTimesWhenSendFailed(Integer.parseInt(retries));
        }
        producer.start();
        long periodNanos = (long) (1_000_000_000L / rate);
        long next = System.nanoTime();
        long n = 0;
        try (PrintWriter w = new PrintWriter(new FileWriter(out, StandardCharsets.UTF_8), true)) {
            w.println("STARTED retries=" + producer.getRetryTimesWhenSendFailed());
            while (!new File(stop).exists()) {
                long now = System.nanoTime();
                if (now < next) {
                    Thread.sleep((next - now) / 1_000_000, (int) ((next - now) % 1_000_000));
                }
                next += periodNanos;
                n++;
                Message msg = new Message(topic, "std", ("std-" + n).getBytes(StandardCharsets.UTF_8));
                try {
                    SendResult r = producer.send(msg);
                    if (r.getSendStatus() == SendStatus.SEND_OK) {
                        w.println("OK " + r.getMsgId() + " " + r.getMessageQueue().getBrokerName());
                    } else {
                        w.println("NOTOK " + r.getMsgId() + " " + r.getSendStatus());
                    }
                } catch (Exception e) {
                    // the broker's answer code when there was one (2 = SYSTEM_BUSY), -1 otherwise
                    int code = e instanceof MQClientException ? ((MQClientException) e).getResponseCode()
                        : e instanceof MQBrokerException ? ((MQBrokerException) e).getResponseCode() : -1;
                    w.println("FAIL " + n + " code=" + code + " " + String.valueOf(e).replace('\n', ' '));
                }
            }
            w.println("DONE " + n);
        } finally {
            producer.shutdown();
        }
    }

    static void consume(String namesrv, String topic, String group, String out, String stop) throws Exception {
        PrintWriter w = new PrintWriter(new FileWriter(out, StandardCharsets.UTF_8), true);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(namesrv);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            synchronized (w) {
                for (var m : msgs) {
                    w.println("MSG " + m.getMsgId());
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        w.println("STARTED");
        while (!new File(stop).exists()) {
            Thread.sleep(100);
        }
        consumer.shutdown();
        w.println("DONE");
        w.close();
    }
}
